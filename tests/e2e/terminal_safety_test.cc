// End-to-end: nothing a client sends reaches the user's terminal as control sequences
// (issue 13, item 1). Titles come from API clients (the OpenClaw plugin derives them from
// what a chat user typed), adapter labels and hints from manifests anyone may drop into
// COVEN_HOME; the CLI prints them visibly escaped, while --json keeps them exact and the
// session's own output (logs) stays byte-exact.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/session_helpers.h"
#include "support/testing.h"

namespace coven::testing::sess {
namespace {

// An OSC 52 clipboard write, a screen clear, an 8-bit CSI (C1) and a bidi override.
const std::string kHostile =
    "evil\x1b]52;c;aGVsbG8=\x07 \x1b[2J\xC2\x9B"
    "31m \xE2\x80\xAE"
    "txt";
const std::string kHostileShown = "evil\\e]52;c;aGVsbG8=\\a \\e[2J\\u{009b}31m \\u{202e}txt";

class TerminalSafetyTest : public SessionTest {
 protected:
  RunResult Cli(const std::vector<std::string>& args) {
    return home_.Coven(args, kHangGuard, project_.path());
  }

  // No byte of `text` is a control a terminal would obey (ESC, BEL, CSI as C1, ...), other
  // than the line breaks of the CLI's own layout.
  static void ExpectNoControls(const std::string& text, const std::string& what) {
    for (size_t i = 0; i < text.size(); ++i) {
      auto b = static_cast<unsigned char>(text[i]);
      EXPECT_TRUE(b >= 0x20 || b == '\n') << what << ": control byte " << int(b) << " at " << i;
      EXPECT_NE(b, 0x7f) << what;
    }
    EXPECT_EQ(text.find("\xC2\x9B"), std::string::npos) << what << ": C1 CSI";
    EXPECT_EQ(text.find("\xE2\x80\xAE"), std::string::npos) << what << ": bidi override";
  }
};

// Given a session whose title (from an API client) holds an OSC 52 clipboard write, a screen
// clear, a C1 CSI and a bidi override, we should show them escaped in `sessions --plain`,
// in the ambiguous-prefix error and on attach's status line, and keep them exact in --json.
TEST_F(TerminalSafetyTest, HostileTitleIsShownNotObeyed) {
  home_.AddScript("codex", "#!/bin/sh\nprintf 'out\\n'\n");
  // Launch until two ids share their first hex digit (at most 17, by pigeonhole), so the
  // ambiguous-prefix error, which lists titles, can be shown too.
  std::map<char, std::string> by_first;
  std::string a;
  std::string b;
  for (int i = 0; i < 17 && b.empty(); ++i) {
    std::string id = LaunchId("codex", "task", {{"title", kHostile}});
    ASSERT_FALSE(id.empty());
    WaitFinished(id);
    if (auto it = by_first.find(id[0]); it != by_first.end()) {
      a = it->second;
      b = id;
    }
    by_first[id[0]] = id;
  }
  ASSERT_FALSE(b.empty());

  RunResult plain = Cli({"sessions", "--plain"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  ExpectNoControls(plain.out, "sessions --plain");
  EXPECT_NE(plain.out.find(kHostileShown + "\n"), std::string::npos) << plain.out;

  RunResult as_json = Cli({"sessions", "--json"});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  json::value doc = ParseJson(as_json.out);
  json::value sessions = Field(doc, "sessions");
  ASSERT_TRUE(sessions.is_array()) << as_json.out;
  for (const json::value& s : sessions.as_array()) {
    EXPECT_EQ(Str(Field(s, "title")), kHostile);
  }

  RunResult ambiguous = Cli({"logs", a.substr(0, 1)});
  EXPECT_EQ(ambiguous.exit_code, 1);
  ExpectNoControls(ambiguous.err, "ambiguous prefix");
  EXPECT_NE(ambiguous.err.find("is ambiguous"), std::string::npos) << ambiguous.err;
  EXPECT_NE(ambiguous.err.find(kHostileShown), std::string::npos) << ambiguous.err;

  RunResult attach = Cli({"attach", a});
  EXPECT_EQ(attach.exit_code, 0) << attach.err;
  ExpectNoControls(attach.err, "attach status line");
  EXPECT_NE(attach.err.find("title=" + kHostileShown), std::string::npos) << attach.err;
}

// Given a manifest adapter whose label and install hint hold escape sequences and whose
// executable is missing, we should show both escaped in `coven doctor` and keep them exact
// in `doctor --json`; a launch refused with that hint prints it escaped too.
TEST_F(TerminalSafetyTest, HostileManifestIsShownNotObeyed) {
  json::object manifest;
  manifest["id"] = "evil";
  manifest["label"] = "E\x1b[31mvil";
  manifest["executable"] = "evil-tool-not-installed";
  json::array argv;  // element by element: GCC 12 misreads an initializer list here
  for (const char* a : {"evil-tool-not-installed", "--", "{prompt}"}) {
    argv.emplace_back(a);
  }
  manifest["argv"] = std::move(argv);
  manifest["installHint"] = kHostile;
  std::filesystem::create_directories(home_.home() + "/adapters");
  std::ofstream(home_.home() + "/adapters/evil.json") << json::serialize(manifest);
  ASSERT_EQ(home_.Coven({"daemon", "restart"}).exit_code, 0);

  RunResult doctor = Cli({"doctor"});
  ExpectNoControls(doctor.out, "doctor");
  ExpectNoControls(doctor.err, "doctor stderr");
  EXPECT_NE(doctor.out.find("E\\e[31mvil"), std::string::npos) << doctor.out;
  EXPECT_NE(doctor.out.find(kHostileShown), std::string::npos) << doctor.out;

  RunResult as_json = Cli({"doctor", "--json"});
  json::value doc = ParseJson(as_json.out);
  json::value harnesses = Field(doc, "harnesses");
  ASSERT_TRUE(harnesses.is_array()) << as_json.out;
  bool found = false;
  for (const json::value& h : harnesses.as_array()) {
    if (Str(Field(h, "id")) == "evil") {
      found = true;
      EXPECT_EQ(Str(Field(h, "label")), "E\x1b[31mvil");
      EXPECT_EQ(Str(Field(h, "installHint")), kHostile);
    }
  }
  EXPECT_TRUE(found) << as_json.out;

  RunResult run = Cli({"run", "evil", "task", "--detach"});
  EXPECT_EQ(run.exit_code, 1);
  ExpectNoControls(run.err, "refused launch");
  EXPECT_NE(run.err.find("Error: "), std::string::npos) << run.err;
}

// Given a harness that prints escape sequences itself, we should keep its output exact in
// `coven logs --raw`: escaping is for metadata, never for the user's own program's output.
TEST_F(TerminalSafetyTest, SessionOutputStaysExact) {
  home_.AddScript("codex", "#!/bin/sh\nstty -opost\nprintf 'a\\033[1mB\\033[0m\\007\\n'\n");
  std::string id = LaunchId("codex", "x");
  WaitFinished(id);
  RunResult logs = Cli({"logs", id, "--raw"});
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_NE(logs.out.find("a\x1b[1mB\x1b[0m\x07\n"), std::string::npos) << logs.out;
}

}  // namespace
}  // namespace coven::testing::sess
