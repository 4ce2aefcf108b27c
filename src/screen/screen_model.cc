#include "screen/screen_model.h"

#include <string.h>
#include <vterm.h>

#include <algorithm>
#include <array>
#include <bit>
#include <climits>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace coven::screen {
namespace {

constexpr uint32_t kNoChar = 0;
// Longest unterminated OSC held back between feeds (titles are short).
constexpr size_t kMaxHeldOsc = 4096;

using Lanes = uint8_t __attribute__((vector_size(16)));

// 0xFF in each lane of `v` that ends a plain run (PlainRunLength), 0 elsewhere.
Lanes RunEnders(Lanes v) {
  return reinterpret_cast<Lanes>(((v < 0x20) & (v != '\r') & (v != '\n')) | (v == 0x7F));
}

// The length of the run at the start of `s` of non-control bytes (not C0, not DEL), CR and
// LF. This runs over every byte of output (the modes parser's text, CR LF included, so a
// line costs the parser one callback instead of three): 64 bytes a step in vector lanes
// while nothing ends the run, then eight a step to find where.
size_t PlainRunLength(const char* s, size_t len) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kLows = 0x7F7F7F7F7F7F7F7Full;
  constexpr uint64_t kHighs = 0x8080808080808080ull;
  // High bit set exactly in the bytes of `x` that are zero (no carry crosses bytes: each
  // byte's low seven bits plus 0x7F stay below 0x100).
  auto zero_bytes = [](uint64_t x) { return ~(((x & kLows) + kLows) | x) & kHighs; };
  size_t n = 0;
  for (; n + 4 * sizeof(Lanes) <= len; n += 4 * sizeof(Lanes)) {
    Lanes any = {};
    for (size_t k = 0; k < 4; ++k) {
      Lanes v;
      std::memcpy(&v, s + n + k * sizeof(Lanes), sizeof(v));
      any |= RunEnders(v);
    }
    uint64_t halves[2];
    std::memcpy(halves, &any, sizeof(halves));
    if ((halves[0] | halves[1]) != 0) {
      break;
    }
  }
  for (; n + 8 <= len; n += 8) {
    uint64_t w = 0;
    std::memcpy(&w, s + n, 8);
    // Below 0x20: high bit clear, and the low seven bits plus 0x60 stay below 0x80.
    uint64_t c0 = ~(((w & kLows) + kOnes * 0x60) | w) & kHighs;
    uint64_t marks = (c0 & ~zero_bytes(w ^ (kOnes * '\r')) & ~zero_bytes(w ^ (kOnes * '\n'))) |
                     zero_bytes(w ^ (kOnes * 0x7F));
    if (marks != 0) {
      return n + static_cast<size_t>(std::countr_zero(marks) / 8);
    }
  }
  for (; n < len; ++n) {
    auto c = static_cast<unsigned char>(s[n]);
    if ((c < 0x20 && c != '\r' && c != '\n') || c == 0x7f) {
      break;
    }
  }
  return n;
}

// Where an OSC that `bytes` leaves unterminated starts, or npos. An OSC ends with BEL or ST
// (ESC \\) and is cut short by ESC, CAN or SUB; one with none of them after its start, or
// only the ESC of an ST as the very last byte, is still open. Only the last ESC (or, when it
// is the last byte, the one before) can start such an OSC: any earlier one is ended by it.
// Only one starting in the last `window` bytes is looked for (a longer one is not held, see
// Feed), so a stream without escapes is not searched end to end on every feed.
size_t OpenOscStart(std::string_view bytes, size_t window) {
  size_t from = bytes.size() > window ? bytes.size() - window : 0;
  auto last_esc = [&](size_t end) -> size_t {
    if (end <= from) {
      return std::string_view::npos;
    }
    const void* p = ::memrchr(bytes.data() + from, '\x1b', end - from);
    return p == nullptr ? std::string_view::npos
                        : static_cast<size_t>(static_cast<const char*>(p) - bytes.data());
  };
  size_t esc = last_esc(bytes.size());
  if (esc != std::string_view::npos && esc + 1 == bytes.size()) {
    esc = last_esc(esc);  // an ST's ESC at the very end: is an OSC open before it?
  }
  if (esc == std::string_view::npos || esc + 1 >= bytes.size() || bytes[esc + 1] != ']') {
    return std::string_view::npos;
  }
  size_t end = bytes.find_first_of(std::string_view("\x07\x1b\x18\x1a", 4), esc + 2);
  if (end == std::string_view::npos || (end + 1 == bytes.size() && bytes[end] == '\x1b')) {
    return esc;
  }
  return std::string_view::npos;
}

uint16_t AtLeastOne(uint16_t v) {
  return v == 0 ? 1 : v;
}

void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp <= 0x10FFFF) {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The characters of one cell ("" for an empty cell).
void AppendCellChars(std::string* out, const VTermScreenCell& cell) {
  for (uint32_t cp : cell.chars) {
    if (cp == kNoChar) {
      break;
    }
    AppendUtf8(out, cp);
  }
}

void AppendColor(std::string* out, const VTermColor& c, bool is_fg) {
  if (is_fg ? VTERM_COLOR_IS_DEFAULT_FG(&c) : VTERM_COLOR_IS_DEFAULT_BG(&c)) {
    return;
  }
  if (VTERM_COLOR_IS_RGB(&c)) {
    *out += is_fg ? ";38;2;" : ";48;2;";
    *out += std::to_string(c.rgb.red) + ";" + std::to_string(c.rgb.green) + ";" +
            std::to_string(c.rgb.blue);
    return;
  }
  int idx = c.indexed.idx;
  if (idx < 8) {
    *out += ";" + std::to_string((is_fg ? 30 : 40) + idx);
  } else if (idx < 16) {
    *out += ";" + std::to_string((is_fg ? 90 : 100) + idx - 8);
  } else {
    *out += (is_fg ? ";38;5;" : ";48;5;") + std::to_string(idx);
  }
}

// The pen of a cell, as one SGR sequence that starts from a reset.
std::string Sgr(const VTermScreenCellAttrs& a, const VTermColor& fg, const VTermColor& bg) {
  std::string out = "\x1b[0";
  // Table of the boolean attributes and their SGR numbers.
  const std::array<std::pair<bool, const char*>, 6> flags{{{a.bold != 0, ";1"},
                                                           {a.italic != 0, ";3"},
                                                           {a.underline != 0, ";4"},
                                                           {a.blink != 0, ";5"},
                                                           {a.reverse != 0, ";7"},
                                                           {a.strike != 0, ";9"}}};
  for (const auto& [on, code] : flags) {
    if (on) {
      out += code;
    }
  }
  AppendColor(&out, fg, true);
  AppendColor(&out, bg, false);
  return out + "m";
}

// An empty cell that painting can leave to the clear: no character, nothing visible.
bool IsBlank(const VTermScreenCell& cell) {
  bool empty = cell.chars[0] == kNoChar || (cell.chars[0] == ' ' && cell.chars[1] == kNoChar);
  return empty && VTERM_COLOR_IS_DEFAULT_BG(&cell.bg) && cell.attrs.reverse == 0 &&
         cell.attrs.underline == 0 && cell.attrs.strike == 0;
}

// Title text safe to put inside an OSC (no terminator or other controls).
std::string CleanTitle(std::string_view title) {
  std::string out;
  for (char c : title) {
    if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) {
      out.push_back(c);
    }
  }
  return out;
}

void PutU16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xFF));
  out->push_back(static_cast<char>(v >> 8));
}

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  }
}

void PutString(std::string* out, std::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}

// Reads the fields SerializeSnapshot writes; every read checks the remaining size.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U8(uint8_t* v) {
    if (in_.empty()) {
      return false;
    }
    *v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool U16(uint16_t* v) {
    uint8_t lo = 0;
    uint8_t hi = 0;
    if (!U8(&lo) || !U8(&hi)) {
      return false;
    }
    *v = static_cast<uint16_t>(lo | (hi << 8));
    return true;
  }
  bool U32(uint32_t* v) {
    uint16_t lo = 0;
    uint16_t hi = 0;
    if (!U16(&lo) || !U16(&hi)) {
      return false;
    }
    *v = lo | (static_cast<uint32_t>(hi) << 16);
    return true;
  }
  bool String(std::string* s) {
    uint32_t n = 0;
    if (!U32(&n) || n > in_.size()) {
      return false;
    }
    s->assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

constexpr std::string_view kMagic = "CSN1";
// Bounds on what one TakeSignals interval keeps: a program printing notifications in a
// loop must not grow the shim.
constexpr size_t kMaxNotifications = 16;
constexpr size_t kMaxNotificationBytes = 512;
// Feeds smaller than this go to libvterm whole; the fast path below pays off on streams.
constexpr size_t kFastPathMin = 4096;
// Plain text FeedScreen may hold back for the next feed (ScreenModel::Impl::held_text).
constexpr size_t kMaxHeldText = 16u << 10;
constexpr std::string_view kClearHome = "\x1b[H\x1b[2J";

// The offsets of the LF bytes in bytes[start, end), in order, into `lfs`: all of them when
// there are at most `front` + `back`, else only the first `front` and the last `back`.
// Returns whether `lfs` holds all of them.
bool FindLfs(std::string_view bytes, size_t start, size_t end, size_t front, size_t back,
             std::vector<size_t>* lfs) {
  lfs->clear();
  size_t pos = start;
  while (lfs->size() < front) {
    const void* lf = std::memchr(bytes.data() + pos, '\n', end - pos);
    if (lf == nullptr) {
      return true;
    }
    pos = static_cast<size_t>(static_cast<const char*>(lf) - bytes.data());
    lfs->push_back(pos++);
  }
  // From the end back to where the front ones stop; found last to first.
  size_t first_back = lfs->size();
  size_t limit = end;
  while (lfs->size() - first_back < back) {
    const void* lf = ::memrchr(bytes.data() + pos, '\n', limit - pos);
    if (lf == nullptr) {
      std::reverse(lfs->begin() + static_cast<std::ptrdiff_t>(first_back), lfs->end());
      return true;
    }
    limit = static_cast<size_t>(static_cast<const char*>(lf) - bytes.data());
    lfs->push_back(limit);
  }
  std::reverse(lfs->begin() + static_cast<std::ptrdiff_t>(first_back), lfs->end());
  // Any LF left between the two groups?
  return std::memchr(bytes.data() + pos, '\n', limit - pos) == nullptr;
}

}  // namespace

struct ScreenModel::Impl {
  VTerm* vt = nullptr;
  VTermScreen* screen = nullptr;
  VTermState* state = nullptr;
  // A second libvterm *parser* (no state) over the same bytes, for the modes libvterm
  // keeps private (application cursor keys and keypad, bracketed paste, focus events,
  // SGR mouse encoding). Parsing is the cheap part of emulation.
  VTerm* modes_vt = nullptr;

  bool cursor_visible = true;
  bool alt_screen = false;
  std::string title;
  Modes modes;
  // The unterminated OSC at the end of the last Feed, held back until its end arrives:
  // libvterm 0.1.4 loses an OSC (a title) whose bytes come in two writes.
  std::string held_osc;
  // Attention signals seen since the last TakeSignals (docs/attention.md).
  TerminalSignals signals;

  // The plain-text fast path (FeedScreen). What the modes parser saw in the current Feed,
  // in order: text runs (with their offsets: libvterm hands the text callback a pointer
  // into the buffer, and only in its ground state; a run may hold CRs and LFs, which the
  // callback eats too), CR and LF on their own, and anything else.
  enum class Seen : uint8_t { kText, kCr, kLf, kOther };
  struct SeenItem {
    Seen kind;
    size_t offset = 0;  // text runs only
    size_t len = 0;
  };
  std::vector<SeenItem> seen;
  std::vector<size_t> run_lfs;  // FeedScreen's, kept to reuse its capacity
  // Plain text at the end of the last feeds, not yet given to libvterm (FeedScreen): if the
  // next feed scrolls it off it is never drawn. Whatever looks at the screen first gives it
  // to libvterm (Materialize); the modes parser has seen it already.
  std::string held_text;
  // Nothing has reached libvterm since a skip cleared the screen and homed the cursor: the
  // next skip need not clear it again (a stream skips once per feed).
  bool cleared_home = false;
  const char* feed_base = nullptr;
  // DECSTBM's margins are the whole screen (libvterm's normalized top 0, bottom -1), and
  // DECLRMM is off; `margins_touched` when this Feed changed either.
  bool full_region = true;
  bool lr_margins = false;
  bool margins_touched = false;

  Impl(uint16_t rows, uint16_t cols) {
    vt = vterm_new(rows, cols);
    vterm_set_utf8(vt, 1);
    // Answers to queries (device attributes, cursor reports) belong to the real terminal
    // of an attached client, which sees the same bytes; the model's are dropped.
    vterm_output_set_callback(
        vt, [](const char*, size_t, void*) {}, nullptr);
    screen = vterm_obtain_screen(vt);
    state = vterm_obtain_state(vt);
    vterm_screen_enable_altscreen(screen, 1);
    vterm_screen_set_callbacks(screen, &kScreenCallbacks, this);
    vterm_screen_reset(screen, 1);

    modes_vt = vterm_new(rows, cols);
    vterm_set_utf8(modes_vt, 1);
    vterm_output_set_callback(
        modes_vt, [](const char*, size_t, void*) {}, nullptr);
    vterm_parser_set_callbacks(modes_vt, &kModeCallbacks, this);
  }
  ~Impl() {
    vterm_free(modes_vt);
    vterm_free(vt);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  Impl(Impl&&) = delete;
  Impl& operator=(Impl&&) = delete;

  static int OnTermProp(VTermProp prop, VTermValue* val, void* user) {
    auto* self = static_cast<Impl*>(user);
    switch (prop) {
      case VTERM_PROP_CURSORVISIBLE:
        self->cursor_visible = val->boolean != 0;
        break;
      case VTERM_PROP_ALTSCREEN:
        self->alt_screen = val->boolean != 0;
        break;
      case VTERM_PROP_TITLE: {
        std::string title = val->string != nullptr ? val->string : "";
        if (title != self->title) {
          self->signals.title_changed = true;
        }
        self->title = std::move(title);
        break;
      }
      case VTERM_PROP_MOUSE:
        self->modes.mouse = static_cast<MouseMode>(std::clamp(val->number, 0, 3));
        break;
      default:
        break;
    }
    return 1;
  }

  // Eats a run of non-control bytes, CRs and LFs, noting where it lies (see FeedScreen).
  // The parser skips what a text callback eats, and in its ground state a CR or an LF does
  // nothing but call OnControl, so eating them here changes nothing but the cost.
  static int OnText(const char* bytes, size_t len, void* user) {
    auto* self = static_cast<Impl*>(user);
    // libvterm hands over the rest of the buffer and only calls this on a non-control byte.
    size_t n = std::clamp<size_t>(PlainRunLength(bytes, len), 1, INT_MAX);
    self->seen.push_back({Seen::kText, static_cast<size_t>(bytes - self->feed_base), n});
    return static_cast<int>(n);
  }

  static int OnControl(unsigned char control, void* user) {
    auto* self = static_cast<Impl*>(user);
    self->seen.push_back(
        {control == '\r' ? Seen::kCr : (control == '\n' ? Seen::kLf : Seen::kOther), 0, 0});
    return 1;
  }

  // DECSTBM as libvterm 0.1.4's state.c applies it: is the region the whole screen after it?
  bool RegionFullAfterDecstbm(const long args[], int argcount) const {
    int rows = 0;
    int cols = 0;
    vterm_get_size(modes_vt, &rows, &cols);
    long top = argcount < 1 || CSI_ARG_IS_MISSING(args[0]) ? 1 : CSI_ARG(args[0]);
    top = std::clamp<long>(top - 1, 0, rows);
    long bottom = argcount < 2 || CSI_ARG_IS_MISSING(args[1]) ? -1 : CSI_ARG(args[1]);
    bottom = std::max<long>(bottom, -1);
    if (top == 0 && bottom == rows) {
      bottom = -1;
    } else {
      bottom = std::min<long>(bottom, rows);
    }
    if ((bottom == -1 ? rows : bottom) <= top) {
      return true;  // invalid: libvterm resets to the whole screen
    }
    return top == 0 && bottom == -1;
  }

  // Private DEC modes (CSI ? Pm h / l), DECSTR (CSI ! p) and DECSTBM (CSI r).
  static int OnCsi(const char* leader, const long args[], int argcount, const char* intermed,
                   char command, void* user) {
    auto* self = static_cast<Impl*>(user);
    self->seen.push_back({Seen::kOther, 0, 0});
    bool has_intermed = intermed != nullptr && intermed[0] != '\0';
    if (leader == nullptr && command == 'p' && has_intermed && intermed[0] == '!') {
      self->modes.app_cursor_keys = false;  // soft reset: normal cursor keys and keypad
      self->modes.app_keypad = false;
      self->full_region = true;  // and margins
      self->lr_margins = false;
      self->margins_touched = true;
      return 1;
    }
    if (leader == nullptr && !has_intermed && command == 'r') {
      self->full_region = self->RegionFullAfterDecstbm(args, argcount);
      self->margins_touched = true;
      return 1;
    }
    if (leader == nullptr || leader[0] != '?' || has_intermed ||
        (command != 'h' && command != 'l')) {
      return 1;
    }
    bool on = command == 'h';
    for (int i = 0; i < argcount; ++i) {
      switch (CSI_ARG(args[i])) {
        case 1:
          self->modes.app_cursor_keys = on;
          break;
        case 1004:
          self->modes.focus_events = on;
          break;
        case 1006:
          self->modes.mouse_sgr = on;
          break;
        case 2004:
          self->modes.bracketed_paste = on;
          break;
        case 69:
          self->lr_margins = on;
          self->margins_touched = true;
          break;
        default:
          break;
      }
    }
    return 1;
  }

  // DECKPAM (ESC =), DECKPNM (ESC >) and RIS (ESC c).
  static int OnEscape(const char* bytes, size_t len, void* user) {
    auto* self = static_cast<Impl*>(user);
    self->seen.push_back({Seen::kOther, 0, 0});
    if (len != 1) {
      return 1;
    }
    if (bytes[0] == '=') {
      self->modes.app_keypad = true;
    } else if (bytes[0] == '>') {
      self->modes.app_keypad = false;
    } else if (bytes[0] == 'c') {
      MouseMode mouse = self->modes.mouse;  // libvterm reports its own reset of this one
      self->modes = Modes{};
      self->modes.mouse = mouse;
      self->full_region = true;
      self->lr_margins = false;
      self->margins_touched = true;
    }
    return 1;
  }

  static int OnBell(void* user) {
    ++static_cast<Impl*>(user)->signals.bells;
    return 1;
  }

  // Desktop notifications: OSC 9 ; text (iTerm2, also what Codex and Claude Code send) and
  // OSC 777 ; notify ; title ; body (rxvt, foot). Seen by the modes parser, which gets the
  // same bytes (the screen layer has no OSC callback in libvterm 0.1.4).
  static int OnOsc(const char* command, size_t len, void* user) {
    auto* self = static_cast<Impl*>(user);
    self->seen.push_back({Seen::kOther, 0, 0});
    std::string_view osc(command, len);
    if (osc.starts_with("9;") && self->signals.notifications.size() < kMaxNotifications) {
      self->signals.notifications.emplace_back(osc.substr(2, kMaxNotificationBytes));
    } else if (osc.starts_with("777;notify;") &&
               self->signals.notifications.size() < kMaxNotifications) {
      osc.remove_prefix(11);
      self->signals.notifications.emplace_back(osc.substr(0, kMaxNotificationBytes));
    }
    return 1;
  }

  static constexpr VTermScreenCallbacks kScreenCallbacks = {nullptr, nullptr, nullptr, &OnTermProp,
                                                            &OnBell, nullptr, nullptr, nullptr};
  static constexpr VTermParserCallbacks kModeCallbacks = {&OnText, &OnControl, &OnEscape, &OnCsi,
                                                          &OnOsc,  nullptr,    nullptr};

  // Feeds `bytes` (already through the modes parser, whose record is in `seen`) to the
  // screen, skipping what cannot change the result. Within a run of plain text, CR and LF
  // (no escape sequence, no other control), with the scroll region the whole screen, every
  // row visible at the run's end was written by its last `rows` lines; cursor, pen, modes
  // and title are untouched by plain text. The text before those lines is replaced by a
  // clear and home when the lines kept allow it (SkipFromClearedHome), else, once the
  // cursor sits on the bottom row (where each LF scrolls the whole screen), by one CR (the
  // real stream is at column 0 there: the skip ends right after a CR LF). Plain text at the
  // end is held back (held_text): the next feed of a stream scrolls it off unseen, so a
  // stream fed in batches costs libvterm almost nothing but the modes parser's look at each
  // byte (`cat` of a log: ~20x cheaper). Full-screen repaints never take this path.
  void FeedScreen(std::string_view bytes) {
    int rows = 0;
    int cols = 0;
    vterm_get_size(vt, &rows, &cols);
    if (bytes.size() < kFastPathMin || !full_region || lr_margins || margins_touched) {
      Materialize();
      Write(bytes);
      return;
    }
    size_t fed = 0;
    size_t last_run_start = 0;  // the last plain run's bytes
    size_t last_run_end = 0;
    std::vector<size_t>& lfs = run_lfs;  // offsets of the LFs of the current plain run
    size_t i = 0;
    while (i < seen.size()) {
      if (seen[i].kind != Seen::kText) {
        ++i;
        continue;
      }
      // A plain run: text and CR/LF whose bytes lie back to back in the buffer, so every
      // LF byte in it is an LF the terminal sees.
      size_t run_start = seen[i].offset;
      size_t pos = run_start;
      for (; i < seen.size(); ++i) {
        const SeenItem& item = seen[i];
        if (item.kind == Seen::kText && item.offset == pos) {
          pos = item.offset + item.len;
        } else if ((item.kind == Seen::kCr || item.kind == Seen::kLf) && pos < bytes.size() &&
                   bytes[pos] == (item.kind == Seen::kCr ? '\r' : '\n')) {
          ++pos;
        } else {
          break;
        }
      }
      last_run_start = run_start;
      last_run_end = pos;
      auto urows = static_cast<size_t>(rows);
      // The skips need the run's first rows + 1 LFs and its last ones, not those between: a
      // stream's run holds thousands of lines, and finding them all cost a pass over every
      // byte. With that many, `lfs` holds the first FrontLfs and the last BackLfs of them
      // (its indices then count them only), and all are found only if no cut lies among
      // the last ones.
      bool all_lfs = FindLfs(bytes, run_start, pos, FrontLfs(urows), BackLfs(urows), &lfs);
      if (lfs.size() < urows + 2 || lfs[0] + 1 < fed) {
        continue;
      }
      size_t cut = SkipFromClearedHome(bytes, run_start, pos, &lfs, &all_lfs);
      if (cut != 0) {
        if (fed < run_start) {
          Materialize();  // escapes before the run: their state survives the skip
          Write(bytes.substr(fed, run_start - fed));
        }
        held_text.clear();    // plain text before the run scrolls off with the run's start
        if (!cleared_home) {  // else the screen is still as the last skip left it
          Write(kClearHome);
          cleared_home = true;
        }
        fed = cut;
        continue;
      }
      Materialize();
      fed = SkipFromBottomRow(bytes, run_start, pos, fed, all_lfs);
    }
    // The rest is plain text when the last run reaches the end: held, as the next feed may
    // well scroll it off (a stream's next batch does), within a bound on the copy.
    std::string_view rest = bytes.substr(fed);
    if (last_run_end == bytes.size() && last_run_start <= fed &&
        held_text.size() + rest.size() <= kMaxHeldText) {
      held_text.append(rest);
      return;
    }
    Materialize();
    Write(rest);
  }

  // How many of a long run's first and last LFs FeedScreen finds (FindLfs).
  static size_t FrontLfs(size_t rows) { return rows + 1; }
  static size_t BackLfs(size_t rows) { return 2 * rows + 2; }

  // The CR skip, for a plain run bytes[start, end) whose kept lines have a bare LF among
  // their first rows - 1 (so SkipFromClearedHome's cut does not apply), with `lfs` from
  // FindLfs. Feeds the run from `fed` to just past its first LF: with the cursor then on
  // the bottom row (as it is all along while text streams) every later LF scrolls the whole
  // screen; otherwise rows + 1 LFs take it there. The text from there to the last cut (right
  // after a CR LF, where the real stream is at column 0, before an ASCII byte or a control,
  // at least `rows` LFs before the run's end, so all it skips scrolls off again) is
  // replaced by one CR. Returns where feeding goes on.
  size_t SkipFromBottomRow(std::string_view bytes, size_t start, size_t end, size_t fed,
                           bool all_lfs) {
    int rows = 0;
    int cols = 0;
    vterm_get_size(vt, &rows, &cols);
    auto urows = static_cast<size_t>(rows);
    std::vector<size_t>& lfs = run_lfs;
    size_t n = lfs.size();
    auto on_bottom_row = [&] {
      VTermPos cursor{};
      vterm_state_get_cursorpos(state, &cursor);
      return cursor.row == rows - 1;
    };
    Write(bytes.substr(fed, lfs[0] + 1 - fed));
    fed = lfs[0] + 1;
    size_t first_k = 1;  // the cut may be after LF k >= first_k
    if (!on_bottom_row()) {
      if (n < 2 * urows + 2) {
        return fed;
      }
      Write(bytes.substr(fed, lfs[urows] + 1 - fed));
      fed = lfs[urows] + 1;
      if (!on_bottom_row()) {
        return fed;
      }
      first_k = urows + 1;
    }
    size_t skip_to = 0;
    for (;;) {
      // Only where `lfs` counts every LF below k (the last BackLfs when some are left out).
      size_t k_min = all_lfs ? first_k : std::max(first_k, n - BackLfs(urows));
      for (size_t k = n - urows - 1; k >= k_min && skip_to == 0; --k) {
        auto next = static_cast<unsigned char>(bytes[lfs[k] + 1]);
        if (bytes[lfs[k] - 1] == '\r' && next < 0x80) {
          skip_to = lfs[k] + 1;
        }
      }
      if (skip_to != 0 || all_lfs) {
        break;
      }
      all_lfs = FindLfs(bytes, start, end, SIZE_MAX, 0, &lfs);  // all of them, then
      n = lfs.size();
    }
    if (skip_to <= fed) {
      return fed;
    }
    Write("\r");
    return skip_to;
  }

  // Gives libvterm the plain text FeedScreen held back.
  void Materialize() {
    if (!held_text.empty()) {
      Write(held_text);
      held_text.clear();
    }
  }

  // Everything the screen's libvterm is given goes through here.
  void Write(std::string_view bytes) {
    if (!bytes.empty()) {
      vterm_input_write(vt, bytes.data(), bytes.size());
      cleared_home = false;
    }
  }

  // Where a plain run bytes[start, end) with LFs `lfs` (FindLfs; all_lfs as it returned)
  // may be cut so that what follows, fed from a cleared home, leaves the screen as the
  // whole stream would, whatever was on it and wherever the cursor stood: the cut is right
  // after a CR LF and before an ASCII byte or a control (a combining character there would
  // join the last glyph drawn before it), at least `rows` LFs follow it (everything before
  // scrolls off, however the lines wrap), and each of the first rows - 1 of them follows a
  // CR (from home those LFs move the cursor, and a moving LF cancels a pending wrap where a
  // scrolling one keeps it; a CR cancels it anyway). Tiny screens (a wide character's
  // pending wrap in 2 columns, a 1-row screen's line attributes) are left to the CR skip
  // below. 0 when there is no such cut. Finds all LFs if those it has do not suffice.
  size_t SkipFromClearedHome(std::string_view bytes, size_t start, size_t end,
                             std::vector<size_t>* lfs, bool* all_lfs) const {
    int rows = 0;
    int cols = 0;
    vterm_get_size(vt, &rows, &cols);
    auto urows = static_cast<size_t>(rows);
    if (rows < 2 || cols < 4) {
      return 0;
    }
    for (;;) {
      size_t n = lfs->size();
      if (n < urows + 2) {
        return 0;
      }
      size_t k_min = *all_lfs ? 1 : std::max<size_t>(1, n - BackLfs(urows));
      for (size_t k = n - urows - 1; k >= k_min; --k) {
        const std::vector<size_t>& at = *lfs;
        auto next = static_cast<unsigned char>(bytes[at[k] + 1]);
        if (bytes[at[k] - 1] != '\r' || next >= 0x80) {
          continue;
        }
        for (size_t j = k + 1; j < k + urows; ++j) {
          if (bytes[at[j] - 1] != '\r') {
            return 0;  // the last cut has a bare LF after it: the CR skip decides
          }
        }
        return at[k] + 1;
      }
      if (*all_lfs) {
        return 0;
      }
      *all_lfs = FindLfs(bytes, start, end, SIZE_MAX, 0, lfs);
    }
  }

  VTermScreenCell Cell(int row, int col) const {
    VTermScreenCell cell{};
    vterm_screen_get_cell(screen, VTermPos{row, col}, &cell);
    return cell;
  }

  std::string RowText(int row, int cols) const {
    std::string text;
    for (int col = 0; col < cols;) {
      VTermScreenCell cell = Cell(row, col);
      if (cell.chars[0] == kNoChar) {
        text.push_back(' ');
      } else {
        AppendCellChars(&text, cell);
      }
      col += std::max(1, static_cast<int>(cell.width));
    }
    while (!text.empty() && text.back() == ' ') {
      text.pop_back();
    }
    return text;
  }

  void PaintRow(std::string* out, int row, int cols, std::string* pen) const {
    int end = cols;
    while (end > 0 && IsBlank(Cell(row, end - 1))) {
      --end;
    }
    if (end == 0) {
      return;
    }
    *out += "\x1b[" + std::to_string(row + 1) + ";1H";
    for (int col = 0; col < end;) {
      VTermScreenCell cell = Cell(row, col);
      std::string sgr = Sgr(cell.attrs, cell.fg, cell.bg);
      if (sgr != *pen) {
        *out += sgr;
        *pen = std::move(sgr);
      }
      if (cell.chars[0] == kNoChar) {
        out->push_back(' ');
      } else {
        AppendCellChars(out, cell);
      }
      col += std::max(1, static_cast<int>(cell.width));
    }
  }

  // The program's current pen (what its next characters will look like).
  std::string CurrentPen() const {
    VTermValue v{};
    VTermScreenCellAttrs a{};
    auto flag = [&](VTermAttr attr) {
      vterm_state_get_penattr(state, attr, &v);
      return v.boolean != 0 ? 1u : 0u;
    };
    a.bold = flag(VTERM_ATTR_BOLD);
    a.italic = flag(VTERM_ATTR_ITALIC);
    a.blink = flag(VTERM_ATTR_BLINK);
    a.reverse = flag(VTERM_ATTR_REVERSE);
    a.strike = flag(VTERM_ATTR_STRIKE);
    vterm_state_get_penattr(state, VTERM_ATTR_UNDERLINE, &v);
    a.underline = v.number != 0 ? 1u : 0u;
    vterm_state_get_penattr(state, VTERM_ATTR_FOREGROUND, &v);
    VTermColor fg = v.color;
    vterm_state_get_penattr(state, VTERM_ATTR_BACKGROUND, &v);
    VTermColor bg = v.color;
    return Sgr(a, fg, bg);
  }

  std::string Paint(const Snapshot& s) const {
    // The screen switch first: leaving the alternate screen restores a saved cursor and pen
    // (DECRC), which the reset that follows overrides.
    std::string out = s.alt_screen ? "\x1b[?1049h" : "\x1b[?1049l";
    out += "\x1b[0m\x1b[H\x1b[2J";
    std::string pen = "\x1b[0m";
    for (int row = 0; row < s.rows; ++row) {
      PaintRow(&out, row, s.cols, &pen);
    }
    out += "\x1b[0m";
    if (!s.title.empty()) {
      out += "\x1b]2;" + CleanTitle(s.title) + "\x07";
    }
    const Modes& m = s.modes;
    out += m.app_cursor_keys ? "\x1b[?1h" : "\x1b[?1l";
    out += m.app_keypad ? "\x1b=" : "\x1b>";
    out += m.bracketed_paste ? "\x1b[?2004h" : "\x1b[?2004l";
    out += m.focus_events ? "\x1b[?1004h" : "\x1b[?1004l";
    out += "\x1b[?1000l\x1b[?1002l\x1b[?1003l";
    static constexpr std::array<const char*, 4> kMouseOn = {"", "\x1b[?1000h", "\x1b[?1002h",
                                                            "\x1b[?1003h"};
    out += kMouseOn[static_cast<size_t>(m.mouse)];
    out += m.mouse_sgr ? "\x1b[?1006h" : "\x1b[?1006l";
    out += CurrentPen();
    out +=
        "\x1b[" + std::to_string(s.cursor_row + 1) + ";" + std::to_string(s.cursor_col + 1) + "H";
    out += s.cursor_visible ? "\x1b[?25h" : "\x1b[?25l";
    return out;
  }
};

ScreenModel::ScreenModel(uint16_t rows, uint16_t cols)
    : impl_(std::make_unique<Impl>(AtLeastOne(rows), AtLeastOne(cols))) {}
ScreenModel::~ScreenModel() = default;
ScreenModel::ScreenModel(ScreenModel&&) noexcept = default;
ScreenModel& ScreenModel::operator=(ScreenModel&&) noexcept = default;

void ScreenModel::Feed(std::string_view bytes) {
  std::string joined;
  if (!impl_->held_osc.empty()) {
    joined = std::move(impl_->held_osc) + std::string(bytes);
    impl_->held_osc.clear();
    bytes = joined;
  }
  // An open OSC is held back; so is a lone ESC at the end, which may start one. A runaway
  // OSC is passed on after a bound.
  size_t hold = OpenOscStart(bytes, kMaxHeldOsc);
  if (hold == std::string_view::npos && !bytes.empty() && bytes.back() == '\x1b') {
    hold = bytes.size() - 1;
  }
  if (hold != std::string_view::npos && bytes.size() - hold <= kMaxHeldOsc) {
    impl_->held_osc.assign(bytes.substr(hold));
    bytes = bytes.substr(0, hold);
  }
  if (bytes.empty()) {
    return;
  }
  // The modes parser first: it records where the plain text lies for FeedScreen.
  impl_->seen.clear();
  impl_->feed_base = bytes.data();
  impl_->margins_touched = false;
  vterm_input_write(impl_->modes_vt, bytes.data(), bytes.size());
  impl_->FeedScreen(bytes);
}

void ScreenModel::Resize(uint16_t rows, uint16_t cols) {
  impl_->Materialize();
  impl_->cleared_home = false;
  vterm_set_size(impl_->vt, AtLeastOne(rows), AtLeastOne(cols));
  vterm_set_size(impl_->modes_vt, AtLeastOne(rows), AtLeastOne(cols));
}

uint16_t ScreenModel::rows() const {
  int rows = 0;
  int cols = 0;
  vterm_get_size(impl_->vt, &rows, &cols);
  return static_cast<uint16_t>(rows);
}

uint16_t ScreenModel::cols() const {
  int rows = 0;
  int cols = 0;
  vterm_get_size(impl_->vt, &rows, &cols);
  return static_cast<uint16_t>(cols);
}

const std::string& ScreenModel::title() const {
  return impl_->title;
}

TerminalSignals ScreenModel::TakeSignals() {
  return std::exchange(impl_->signals, TerminalSignals{});
}

std::vector<std::string> ScreenModel::Lines() const {
  impl_->Materialize();  // not a visible change: the held text belongs to the screen already
  std::vector<std::string> lines;
  int rows = 0;
  int cols = 0;
  vterm_get_size(impl_->vt, &rows, &cols);
  lines.reserve(static_cast<size_t>(rows));
  for (int row = 0; row < rows; ++row) {
    lines.push_back(impl_->RowText(row, cols));
  }
  return lines;
}

Snapshot ScreenModel::Capture() const {
  impl_->Materialize();  // as in Lines()
  Snapshot s;
  s.rows = rows();
  s.cols = cols();
  s.lines.reserve(s.rows);
  for (int row = 0; row < s.rows; ++row) {
    s.lines.push_back(impl_->RowText(row, s.cols));
  }
  VTermPos pos{};
  vterm_state_get_cursorpos(impl_->state, &pos);
  s.cursor_row = static_cast<uint16_t>(std::clamp(pos.row, 0, s.rows - 1));
  s.cursor_col = static_cast<uint16_t>(std::clamp(pos.col, 0, s.cols - 1));
  s.cursor_visible = impl_->cursor_visible;
  s.alt_screen = impl_->alt_screen;
  s.title = impl_->title;
  s.modes = impl_->modes;
  s.ansi = impl_->Paint(s);
  return s;
}

std::string SerializeSnapshot(const Snapshot& s) {
  std::string out(kMagic);
  PutU16(&out, s.rows);
  PutU16(&out, s.cols);
  PutU16(&out, s.cursor_row);
  PutU16(&out, s.cursor_col);
  const std::array<bool, 7> flags{
      s.cursor_visible,        s.alt_screen,         s.modes.app_cursor_keys, s.modes.app_keypad,
      s.modes.bracketed_paste, s.modes.focus_events, s.modes.mouse_sgr};
  uint8_t bits = 0;
  for (size_t i = 0; i < flags.size(); ++i) {
    bits = static_cast<uint8_t>(bits | (flags[i] ? 1u << i : 0u));
  }
  out.push_back(static_cast<char>(bits));
  out.push_back(static_cast<char>(s.modes.mouse));
  PutString(&out, s.title);
  PutU32(&out, static_cast<uint32_t>(s.lines.size()));
  for (const std::string& line : s.lines) {
    PutString(&out, line);
  }
  PutString(&out, s.ansi);
  return out;
}

core::Result<Snapshot> ParseSnapshot(std::string_view bytes) {
  core::Error corrupt(core::ErrorCode::kCorrupt, "malformed screen snapshot");
  if (bytes.substr(0, kMagic.size()) != kMagic) {
    return corrupt;
  }
  Reader r(bytes.substr(kMagic.size()));
  Snapshot s;
  uint8_t bits = 0;
  uint8_t mouse = 0;
  uint32_t nlines = 0;
  if (!r.U16(&s.rows) || !r.U16(&s.cols) || !r.U16(&s.cursor_row) || !r.U16(&s.cursor_col) ||
      !r.U8(&bits) || !r.U8(&mouse) || mouse > 3 || !r.String(&s.title) || !r.U32(&nlines) ||
      nlines != s.rows) {
    return corrupt;
  }
  s.lines.resize(nlines);
  for (std::string& line : s.lines) {
    if (!r.String(&line)) {
      return corrupt;
    }
  }
  if (!r.String(&s.ansi) || !r.done()) {
    return corrupt;
  }
  auto bit = [&](int i) { return (bits & (1u << i)) != 0; };
  s.cursor_visible = bit(0);
  s.alt_screen = bit(1);
  s.modes.app_cursor_keys = bit(2);
  s.modes.app_keypad = bit(3);
  s.modes.bracketed_paste = bit(4);
  s.modes.focus_events = bit(5);
  s.modes.mouse_sgr = bit(6);
  s.modes.mouse = static_cast<MouseMode>(mouse);
  return s;
}

}  // namespace coven::screen
