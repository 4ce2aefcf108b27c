// End-to-end: the session routes (SPEC 2.8-2.13, 3.1-3.6, 4, Part A 1, 4-6, 10) against a
// real daemon, real shims, real PTYs and fake harness scripts on the daemon's PATH.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "e2e/session_helpers.h"
#include "support/testing.h"

namespace coven::testing::sess {
namespace {

class SessionApiTest : public SessionTest {};

// Given a launch through a symlinked project root with a padded prompt and no title, we
// should get 201 with every SPEC 3.1 field, status running, the canonical root and the
// trimmed prompt as title.
TEST_F(SessionApiTest, LaunchReturnsRecord) {
  home_.AddScript("codex", "#!/bin/sh\nread line\n");
  std::string link = project_ / "link";
  std::filesystem::create_directory(project_ / "real");
  std::filesystem::create_directory_symlink(project_ / "real", link);
  HttpResult r = LaunchRaw(Body({{"projectRoot", json::value(link)},
                                 {"harness", json::value("codex")},
                                 {"prompt", json::value("  fix the tests  ")}}));
  ASSERT_EQ(r.status, 201) << r.body;
  json::value rec = ParseJson(r.body);
  ASSERT_TRUE(rec.is_object());
  for (const char* key : {"id", "project_root", "harness", "title", "status", "exit_code",
                          "archived_at", "created_at", "updated_at"}) {
    EXPECT_TRUE(rec.as_object().contains(key)) << key << " missing in " << r.body;
  }
  std::string id = Str(Field(rec, "id"));
  EXPECT_EQ(id.size(), 36u) << id;
  EXPECT_EQ(Str(Field(rec, "project_root")), Canonical(project_ / "real"));
  EXPECT_EQ(Str(Field(rec, "harness")), "codex");
  EXPECT_EQ(Str(Field(rec, "title")), "fix the tests");
  EXPECT_EQ(Str(Field(rec, "status")), "running");
  EXPECT_TRUE(Field(rec, "exit_code").is_null());
  EXPECT_TRUE(Field(rec, "archived_at").is_null());
  EXPECT_FALSE(Str(Field(rec, "created_at")).empty());
  EXPECT_EQ(Field(rec, "created_at"), Field(rec, "updated_at"));

  // An explicit title is kept as given.
  json::value titled = Launch("codex", "p", json::object{{"title", "  My Title"}});
  EXPECT_EQ(Str(Field(titled, "title")), "  My Title");
}

// Given a prompt full of shell metacharacters, we should pass it as exactly one argv
// element and execute nothing.
TEST_F(SessionApiTest, PromptIsOneArgvElement) {
  home_.AddScript("codex",
                  "#!/bin/sh\nstty -opost\necho \"argc=$#\"\nfor a in \"$@\"; do echo "
                  "\"arg=[$a]\"; done\n");
  std::string pwned = project_ / "pwned";
  std::string prompt = "hello; touch " + pwned + " && echo $(id) `id` | cat > " + pwned;
  std::string id = LaunchId("codex", prompt);
  json::value rec = WaitFinished(id);
  EXPECT_EQ(Str(Field(rec, "status")), "completed");
  std::string out = WithoutHookOptions(Output(id));
  EXPECT_NE(out.find("argc=2\narg=[--]\narg=[" + prompt + "]\n"), std::string::npos) << out;
  EXPECT_FALSE(Exists(pwned));
}

// Given a harness that tests its stdin and stdout, we should see that both are a terminal.
TEST_F(SessionApiTest, HarnessRunsOnAPty) {
  home_.AddScript("codex",
                  "#!/bin/sh\nif test -t 0 && test -t 1; then echo tty-yes; else "
                  "echo tty-no; fi\n");
  std::string id = LaunchId("codex", "tty?");
  WaitFinished(id);
  std::string out = Output(id);
  EXPECT_NE(out.find("tty-yes"), std::string::npos) << out;
}

// Given a relative cwd "sub", we should run the harness in <canonical root>/sub.
TEST_F(SessionApiTest, HarnessRunsInResolvedCwd) {
  std::filesystem::create_directory(project_ / "sub");
  home_.AddScript("codex", "#!/bin/sh\nstty -opost\necho \"cwd=$(pwd -P)\"\n");
  std::string id = LaunchId("codex", "where", json::object{{"cwd", "sub"}});
  WaitFinished(id);
  std::string out = Output(id);
  EXPECT_NE(out.find("cwd=" + root_ + "/sub\n"), std::string::npos) << out;
}

// Given harnesses exiting 0, 3 and by SIGKILL, we should record completed/0, failed/3 and
// failed with exit_signal SIGKILL, each with a matching exit event.
TEST_F(SessionApiTest, ExitStatusIsRecorded) {
  home_.AddScript("codex", "#!/bin/sh\nexit 0\n");
  std::string ok = LaunchId("codex", "zero");
  // Separate executables: rewriting one script could race with a shell still reading it.
  home_.AddScript("gemini", "#!/bin/sh\nexit 3\n");
  std::string three = LaunchId("gemini", "three");
  home_.AddScript("aider", "#!/bin/sh\nkill -KILL $$\n");
  std::string killed = LaunchId("aider", "sigkill");

  json::value rec = WaitFinished(ok);
  EXPECT_EQ(Str(Field(rec, "status")), "completed");
  EXPECT_EQ(Field(rec, "exit_code"), json::value(0));
  rec = WaitFinished(three);
  EXPECT_EQ(Str(Field(rec, "status")), "failed");
  EXPECT_EQ(Field(rec, "exit_code"), json::value(3));
  rec = WaitFinished(killed);
  EXPECT_EQ(Str(Field(rec, "status")), "failed");
  EXPECT_EQ(Str(Field(rec, "exit_signal")), "SIGKILL") << json::serialize(rec);

  auto last_payload = [&](const std::string& id) {
    std::vector<json::object> events = AllEvents(id);
    EXPECT_FALSE(events.empty());
    EXPECT_EQ(Kind(events.front()), "start");
    EXPECT_EQ(Kind(events.back()), "exit");
    return events.empty() ? json::value() : Payload(events.back());
  };
  json::value p = last_payload(ok);
  EXPECT_EQ(Field(p, "exitCode"), json::value(0));
  EXPECT_EQ(Str(Field(p, "status")), "completed");
  p = last_payload(three);
  EXPECT_EQ(Field(p, "exitCode"), json::value(3));
  EXPECT_EQ(Str(Field(p, "status")), "failed");
  p = last_payload(killed);
  EXPECT_EQ(Str(Field(p, "signal")), "SIGKILL");
  EXPECT_EQ(Str(Field(p, "status")), "failed");
}

// Given a launched session, we should find it in GET /sessions and GET /sessions/<id>.
TEST_F(SessionApiTest, ListAndGet) {
  home_.AddScript("codex", "#!/bin/sh\nread line\n");
  std::string first = LaunchId("codex", "one");
  std::string second = LaunchId("codex", "two");
  HttpResult r = Get("/api/v1/sessions");
  ASSERT_EQ(r.status, 200);
  json::value list = ParseJson(r.body);
  ASSERT_TRUE(list.is_array()) << r.body;
  std::set<std::string> ids;
  for (const json::value& s : list.as_array()) {
    ids.insert(Str(Field(s, "id")));
  }
  EXPECT_EQ(ids, (std::set<std::string>{first, second}));
  ASSERT_EQ(list.as_array().size(), 2u);
  EXPECT_EQ(Str(Field(list.as_array()[0], "id")), second) << "newest first";
  json::value rec = Session(first);
  EXPECT_EQ(Str(Field(rec, "id")), first);
  EXPECT_EQ(Str(Field(rec, "title")), "one");
  EXPECT_EQ(Str(Field(rec, "status")), "running");
  HttpResult legacy = Get("/sessions/" + first);
  EXPECT_EQ(legacy.status, 200);
}

// Given a harness reading a line, we should deliver input to it and log an input event
// holding the data.
TEST_F(SessionApiTest, InputReachesHarness) {
  home_.AddScript("codex", "#!/bin/sh\nread line\necho \"got:$line\"\n");
  std::string id = LaunchId("codex", "read");
  HttpResult r = SendInput(id, "hello world\n");
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(ParseJson(r.body), ParseJson(R"({"accepted":true,"ok":true})"));
  WaitOutput(id, "got:hello world");
  json::value rec = WaitFinished(id);
  EXPECT_EQ(Str(Field(rec, "status")), "completed");
  bool found = false;
  for (const json::object& e : AllEvents(id)) {
    if (Kind(e) == "input") {
      EXPECT_EQ(Str(Field(Payload(e), "data")), "hello world\n");
      found = true;
    }
  }
  EXPECT_TRUE(found) << "no input event";
}

// Given a harness that ignores HUP and TERM and has a background child, we should answer
// 202 to kill, end both processes, mark the session killed and log kill then exit.
TEST_F(SessionApiTest, KillEndsWholeProcessGroup) {
  home_.AddScript("codex",
                  "#!/bin/sh\ntrap '' HUP TERM\nsleep 1000 &\necho \"child=$!\"\n"
                  "while :; do sleep 0.1; done\n");
  std::string id = LaunchId("codex", "stubborn");
  ASSERT_TRUE(WaitOutput(id, "\n"));
  std::string out = Output(id);
  size_t at = out.find("child=");
  ASSERT_NE(at, std::string::npos) << out;
  pid_t child = std::atoi(out.c_str() + at + 6);
  pid_t harness = HarnessPid(id);
  ASSERT_GT(child, 0);
  ASSERT_GT(harness, 0);
  ASSERT_TRUE(ProcessAlive(child));

  HttpResult r = Post("/api/v1/sessions/" + id + "/kill", "");
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(Status(id), "killed");
  EXPECT_TRUE(WaitFor([&] { return HasExitEvent(id); }, kHangGuard)) << "no exit event";
  EXPECT_TRUE(WaitFor([&] { return !ProcessAlive(child) && !ProcessAlive(harness); }, kHangGuard))
      << "survivors: harness " << ProcessAlive(harness) << " child " << ProcessAlive(child);
  EXPECT_EQ(Status(id), "killed") << "kill is sticky";

  std::vector<std::string> kinds;
  for (const json::object& e : AllEvents(id)) {
    if (Kind(e) == "kill" || Kind(e) == "exit") {
      kinds.push_back(Kind(e));
    }
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"kill", "exit"}));
  // A second kill finds nothing live.
  ExpectError(Post("/api/v1/sessions/" + id + "/kill", ""), 409, "session_not_live");
}

// Given a harness that dies at once of the kill's SIGHUP, killed right after launch, we
// should see `killed` every time: the shim may report the exit the kill caused before the
// kill's own handler records `killed`, and that exit must not settle the session first as
// `failed` (seen in ~1 of 10 such kills once the shim told the end before syncing its log).
TEST_F(SessionApiTest, KillRightAfterLaunchIsAlwaysKilled) {
  home_.AddScript("codex", "#!/bin/sh\necho ready\nwhile read -r line; do :; done\n");
  for (int i = 0; i < 20; ++i) {
    std::string id = LaunchId("codex", "short");
    ASSERT_EQ(Post("/api/v1/sessions/" + id + "/kill", "").status, 202) << i;
    json::value ended = WaitFinished(id);
    EXPECT_EQ(Str(Field(ended, "status")), "killed") << i << " " << json::serialize(ended);
  }
}

// Given an unknown session id, we should answer 404 session_not_found on every route.
TEST_F(SessionApiTest, UnknownSessionIs404) {
  const std::string ghost = "00000000-0000-4000-8000-000000000000";
  ExpectError(SendInput(ghost, "x"), 404, "session_not_found");
  ExpectError(Post("/api/v1/sessions/" + ghost + "/kill", ""), 404, "session_not_found");
  ExpectError(Get("/api/v1/sessions/" + ghost), 404, "session_not_found");
  ExpectError(Get("/api/v1/events?sessionId=" + ghost), 404, "session_not_found");
  HttpResult r = Get("/api/v1/sessions/" + ghost);
  EXPECT_EQ(Str(Field(Field(ParseJson(r.body), "error"), "details").as_object()["sessionId"]),
            ghost)
      << r.body;
}

// Given a completed session, we should answer 409 session_not_live to input and kill.
TEST_F(SessionApiTest, FinishedSessionIsNotLive) {
  home_.AddScript("codex", "#!/bin/sh\nexit 0\n");
  std::string id = LaunchId("codex", "done");
  EXPECT_EQ(Str(Field(WaitFinished(id), "status")), "completed");
  ExpectError(SendInput(id, "x"), 409, "session_not_live");
  ExpectError(Post("/api/v1/sessions/" + id + "/kill", ""), 409, "session_not_live");
  ExpectError(Post("/api/v1/sessions/" + id + "/resize", R"({"rows":10,"cols":10})"), 409,
              "session_not_live");
}

// Given an unknown harness id, we should answer 400 with details.harness and
// details.installHint and create no row and no folder.
TEST_F(SessionApiTest, UnknownHarnessCreatesNothing) {
  HttpResult r = LaunchRaw(Body({{"projectRoot", json::value(root_)},
                                 {"harness", json::value("nope")},
                                 {"prompt", json::value("hi")}}));
  ExpectError(r, 400, "invalid_request");
  json::value details = Field(Field(ParseJson(r.body), "error"), "details");
  EXPECT_EQ(Str(Field(details, "harness")), "nope") << r.body;
  EXPECT_FALSE(Str(Field(details, "installHint")).empty()) << r.body;
  EXPECT_EQ(Get("/api/v1/sessions").body, "[]");
  EXPECT_TRUE(SessionFolders(home_).empty());
}

// Given a known harness whose executable is not on the daemon's PATH, we should answer 400
// with the adapter's install hint and create nothing.
TEST_F(SessionApiTest, MissingHarnessExecutableHasInstallHint) {
  HttpResult r = LaunchRaw(Body({{"projectRoot", json::value(root_)},
                                 {"harness", json::value("claude")},
                                 {"prompt", json::value("hi")}}));
  ExpectError(r, 400, "invalid_request");
  json::value details = Field(Field(ParseJson(r.body), "error"), "details");
  EXPECT_EQ(Str(Field(details, "harness")), "claude");
  EXPECT_NE(Str(Field(details, "installHint")).find("npm install -g @anthropic-ai/claude-code"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(Get("/api/v1/sessions").body, "[]");
  EXPECT_TRUE(SessionFolders(home_).empty());
}

// Given bad launch paths or missing fields, we should answer 400 invalid_request and
// create nothing.
TEST_F(SessionApiTest, InvalidLaunchesCreateNothing) {
  home_.AddScript("codex", "#!/bin/sh\nexit 0\n");
  TempDir outside;
  std::filesystem::create_directory_symlink(outside.path(), project_ / "escape");
  std::filesystem::create_directory(project_ / "inside");
  const json::value root(root_);
  const json::value codex("codex");
  const json::value hi("hi");
  struct Case {
    const char* what;
    std::string body;
  };
  std::vector<Case> cases = {
      {"cwd outside", Body({{"projectRoot", root},
                            {"cwd", json::value(outside.path())},
                            {"harness", codex},
                            {"prompt", hi}})},
      {"cwd via escaping symlink", Body({{"projectRoot", root},
                                         {"cwd", json::value("escape")},
                                         {"harness", codex},
                                         {"prompt", hi}})},
      {"cwd dotdot", Body({{"projectRoot", root},
                           {"cwd", json::value("inside/../..")},
                           {"harness", codex},
                           {"prompt", hi}})},
      {"cwd missing", Body({{"projectRoot", root},
                            {"cwd", json::value("nope")},
                            {"harness", codex},
                            {"prompt", hi}})},
      {"relative root",
       Body(
           {{"projectRoot", json::value("relative/project")}, {"harness", codex}, {"prompt", hi}})},
      {"missing root dir", Body({{"projectRoot", json::value(root_ + "/does-not-exist")},
                                 {"harness", codex},
                                 {"prompt", hi}})},
      {"no projectRoot", Body({{"harness", codex}, {"prompt", hi}})},
      {"blank projectRoot",
       Body({{"projectRoot", json::value("   ")}, {"harness", codex}, {"prompt", hi}})},
      {"no prompt", Body({{"projectRoot", root}, {"harness", codex}})},
      {"blank prompt", Body({{"projectRoot", root}, {"harness", codex}, {"prompt", "  \n"}})},
      {"no harness", Body({{"projectRoot", root}, {"prompt", hi}})},
      {"numeric harness", Body({{"projectRoot", root}, {"harness", 7}, {"prompt", hi}})},
      {"bad json", "{\"projectRoot\":"},
      {"not an object", "[1,2]"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    ExpectError(LaunchRaw(c.body), 400, "invalid_request");
  }
  EXPECT_EQ(Get("/api/v1/sessions").body, "[]");
  EXPECT_TRUE(SessionFolders(home_).empty());
  EXPECT_EQ(Get("/api/v1/health").status, 200);
}

// A fake harness that prints its argv: the whole command line on one line, then each
// element bracketed, so both the order and the element boundaries show.
constexpr const char* kArgvHarness =
    "#!/bin/sh\nstty -opost\necho \"cmd=$(basename \"$0\") $*\"\necho \"argc=$#\"\n"
    "for a in \"$@\"; do echo \"arg=[$a]\"; done\n";

// Given harnessArgs for codex (pass-through on), we should run
// `codex --model o3 -c ... -- <prompt>`: the extra arguments right before the prompt part,
// verbatim, one element each.
TEST_F(SessionApiTest, HarnessArgsFollowTheExecutable) {
  home_.AddScript("codex", kArgvHarness);
  std::string id =
      LaunchId("codex", "fix the tests",
               json::object{{"harnessArgs", json::array{"--model", "o3", "-c", "a b; $(id)"}}});
  ASSERT_FALSE(id.empty());
  json::value rec = WaitFinished(id);
  EXPECT_EQ(Str(Field(rec, "status")), "completed");
  std::string out = WithoutHookOptions(Output(id));
  EXPECT_NE(out.find("cmd=codex --model o3 -c a b; $(id) -- fix the tests\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("argc=6\narg=[--model]\narg=[o3]\narg=[-c]\narg=[a b; $(id)]\n"
                     "arg=[--]\narg=[fix the tests]\n"),
            std::string::npos)
      << out;

  // An empty array and null both mean "no extra arguments".
  for (const json::value& none : {json::value(json::array{}), json::value(nullptr)}) {
    std::string plain = LaunchId("codex", "plain", json::object{{"harnessArgs", none}});
    WaitFinished(plain);
    EXPECT_NE(WithoutHookOptions(Output(plain)).find("cmd=codex -- plain\nargc=2\n"),
              std::string::npos)
        << Output(plain);
  }
}

// Given harnessArgs for an adapter without pass-through (demo), we should answer 400
// invalid_request naming the harness, and create no row and no folder.
TEST_F(SessionApiTest, HarnessArgsRefusedWithoutPassThrough) {
  home_.AddScript("coven-demo", kArgvHarness);
  home_.AddScript("codex", kArgvHarness);
  WaitFinished(LaunchId("codex", "before"));
  const std::string before = Get("/api/v1/sessions?all=true").body;
  const std::vector<std::string> folders = SessionFolders(home_);
  HttpResult r = LaunchRaw(Body({{"projectRoot", json::value(root_)},
                                 {"harness", json::value("demo")},
                                 {"prompt", json::value("hi")},
                                 {"harnessArgs", json::array{"--model", "o3"}}}));
  ExpectError(r, 400, "invalid_request");
  EXPECT_EQ(Str(Field(Field(ParseJson(r.body), "error"), "message")),
            "harness `demo` does not take extra arguments (passThrough is off)")
      << r.body;
  EXPECT_EQ(Get("/api/v1/sessions?all=true").body, before);
  EXPECT_EQ(SessionFolders(home_), folders);
  // Without harnessArgs the same launch is fine.
  std::string ok = LaunchId("demo", "hi");
  WaitFinished(ok);
  EXPECT_NE(Output(ok).find("cmd=coven-demo -- hi\n"), std::string::npos) << Output(ok);
}

// Given harnessArgs that are not an array of acceptable strings, we should answer 400
// invalid_request with a human message and create nothing.
TEST_F(SessionApiTest, BadHarnessArgsCreateNothing) {
  home_.AddScript("codex", kArgvHarness);
  json::array too_many;
  for (int i = 0; i < 65; ++i) {
    too_many.emplace_back("-v");
  }
  struct Case {
    const char* what;
    json::value args;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"string", json::value("--model o3"), "harnessArgs must be an array of strings"},
      {"object", json::value(json::object{{"model", "o3"}}),
       "harnessArgs must be an array of strings"},
      {"number", json::value(3), "harnessArgs must be an array of strings"},
      {"number element", json::value(json::array{"--model", 3}),
       "harnessArgs must be an array of strings (element 2 is not a string)"},
      {"null element", json::value(json::array{nullptr}),
       "harnessArgs must be an array of strings (element 1 is not a string)"},
      {"empty element", json::value(json::array{"--model", ""}), "harness argument 2 is empty"},
      {"nul element", json::value(json::array{json::string(std::string("a\0b", 3))}),
       "harness argument 1 contains a NUL byte"},
      {"long element", json::value(json::array{json::string(std::string(4097, 'x'))}),
       "harness argument 1 is longer than 4096 bytes"},
      {"too many", json::value(too_many), "too many harness arguments (65; at most 64)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    HttpResult r = LaunchRaw(Body({{"projectRoot", json::value(root_)},
                                   {"harness", json::value("codex")},
                                   {"prompt", json::value("hi")},
                                   {"harnessArgs", c.args}}));
    ExpectError(r, 400, "invalid_request");
    EXPECT_EQ(Str(Field(Field(ParseJson(r.body), "error"), "message")), c.message) << r.body;
  }
  EXPECT_EQ(Get("/api/v1/sessions?all=true").body, "[]");
  EXPECT_TRUE(SessionFolders(home_).empty());
  json::value health = ParseJson(Get("/api/v1/health").body);
  EXPECT_EQ(Field(Field(health, "capabilities"), "harnessArgs"), json::value(true));
}

// Given a session with many events, we should page them with afterSeq, afterEventId and
// limit, with an exact hasMore and a null nextCursor on an empty page.
TEST_F(SessionApiTest, EventCursorPaging) {
  home_.AddScript("codex",
                  "#!/bin/sh\nstty -echo\necho ready\ni=0\nwhile [ $i -lt 5 ]; do read line; "
                  "echo \"echo:$line\"; i=$((i+1)); done\n");
  std::string id = LaunchId("codex", "pager");
  ASSERT_TRUE(WaitOutput(id, "ready"));
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(SendInput(id, "line" + std::to_string(i) + "\n").status, 202);
    ASSERT_TRUE(WaitOutput(id, "echo:line" + std::to_string(i)));
  }
  WaitFinished(id);
  std::vector<json::object> all = AllEvents(id);
  ASSERT_GE(all.size(), 8u);  // start, 5 inputs, output, exit
  ExpectContiguous(all);

  // Without a limit: everything, hasMore false.
  json::value page = EventsPage(id);
  EXPECT_EQ(Field(page, "events").as_array().size(), all.size());
  EXPECT_EQ(Field(page, "hasMore"), json::value(false));
  EXPECT_EQ(Field(Field(page, "nextCursor"), "afterSeq"),
            json::value(static_cast<int64_t>(all.size())));

  // afterSeq returns the tail; afterEventId of that event is the same cursor.
  const size_t k = 3;
  page = EventsPage(id, "&afterSeq=" + std::to_string(k));
  json::array tail = Field(page, "events").as_array();
  ASSERT_EQ(tail.size(), all.size() - k);
  for (size_t i = 0; i < tail.size(); ++i) {
    EXPECT_EQ(tail[i].as_object(), all[k + i]);
  }
  std::string event_id = Str(all[k - 1].at("id"));
  json::value by_id = EventsPage(id, "&afterEventId=" + event_id);
  EXPECT_EQ(Field(by_id, "events"), Field(page, "events"));
  // afterSeq wins over afterEventId.
  json::value both = EventsPage(id, "&afterEventId=" + event_id + "&afterSeq=0");
  EXPECT_EQ(Field(both, "events").as_array().size(), all.size());
  // Unknown afterEventId reads from the start.
  json::value unknown = EventsPage(id, "&afterEventId=00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(Field(unknown, "events").as_array().size(), all.size());
  // Ids are unique UUID-shaped strings.
  std::set<std::string> ids;
  for (const json::object& e : all) {
    ids.insert(Str(e.at("id")));
    EXPECT_EQ(Str(e.at("id")).size(), 36u);
    EXPECT_EQ(Str(e.at("session_id")), id);
  }
  EXPECT_EQ(ids.size(), all.size());

  // limit=2 pages: every full page but the last says hasMore, exactly.
  int64_t cursor = 0;
  size_t seen = 0;
  for (;;) {
    page = EventsPage(id, "&limit=2&afterSeq=" + std::to_string(cursor));
    json::array events = Field(page, "events").as_array();
    if (events.empty()) {
      EXPECT_TRUE(Field(page, "nextCursor").is_null());
      EXPECT_EQ(Field(page, "hasMore"), json::value(false));
      break;
    }
    ASSERT_LE(events.size(), 2u);
    seen += events.size();
    cursor = events.back().at("seq").to_number<int64_t>();
    EXPECT_EQ(Field(Field(page, "nextCursor"), "afterSeq"), json::value(cursor));
    EXPECT_EQ(Field(page, "hasMore"), json::value(seen < all.size())) << "after " << seen;
    if (seen >= all.size()) {
      // One more request past the end: empty.
      continue;
    }
    ASSERT_EQ(events.size(), 2u);
  }
  EXPECT_EQ(seen, all.size());
  // limit is clamped: 0 → 1.
  EXPECT_EQ(Field(EventsPage(id, "&limit=0"), "events").as_array().size(), 1u);

  // Bad integers answer 400 before the session lookup.
  HttpResult r = Get("/api/v1/events?sessionId=ghost&limit=foo");
  ExpectError(r, 400, "invalid_request");
  EXPECT_EQ(Str(Field(Field(Field(ParseJson(r.body), "error"), "details"), "limit")), "foo");
  r = Get("/api/v1/events?sessionId=ghost&afterSeq=foo");
  ExpectError(r, 400, "invalid_request");
  EXPECT_EQ(Str(Field(Field(Field(ParseJson(r.body), "error"), "details"), "afterSeq")), "foo");
  ExpectError(Get("/api/v1/events?sessionId=" + id + "&afterSeq=1.5"), 400, "invalid_request");
  ExpectError(Get("/api/v1/events"), 400, "invalid_request");
}

// Given a harness writing multi-byte UTF-8 in writes that split characters, we should log
// output whose every event is valid (no U+FFFD) and whose concatenation is exact.
TEST_F(SessionApiTest, Utf8IsNeverSplit) {
  // '€😀é' = E2 82 AC | F0 9F 98 80 | C3 A9, written as 2 + 4 + 3 bytes.
  home_.AddScript("codex",
                  "#!/bin/sh\ni=0\nwhile [ $i -lt 2000 ]; do printf '\\342\\202'; "
                  "printf '\\254\\360\\237\\230'; printf '\\200\\303\\251'; i=$((i+1)); "
                  "done\n");
  std::string id = LaunchId("codex", "utf8");
  EXPECT_EQ(Str(Field(WaitFinished(id), "status")), "completed");
  std::string want;
  for (int i = 0; i < 2000; ++i) {
    want += "\xE2\x82\xAC\xF0\x9F\x98\x80\xC3\xA9";
  }
  for (bool raw : {false, true}) {
    SCOPED_TRACE(raw ? "raw" : "redacted");
    std::vector<json::object> events = AllEvents(id, raw);
    std::string got;
    int outputs = 0;
    for (const json::object& e : events) {
      if (Kind(e) != "output") {
        continue;
      }
      ++outputs;
      std::string data = Str(Field(Payload(e), "data"));
      EXPECT_EQ(data.find("\xEF\xBF\xBD"), std::string::npos) << "U+FFFD in event " << e;
      got += data;
    }
    EXPECT_GE(outputs, 1);
    EXPECT_EQ(got.size(), want.size());
    EXPECT_TRUE(got == want) << "output differs";
  }
}

// Given a harness printing an API key, we should redact it in served events by default
// and show it with raw=true.
TEST_F(SessionApiTest, SecretsAreRedactedUnlessRaw) {
  const std::string secret = "sk-proj-abcdefghijklmnop1234567890";
  home_.AddScript("codex", "#!/bin/sh\necho OPENAI_API_KEY=" + secret + "\n");
  std::string id = LaunchId("codex", "leak");
  WaitFinished(id);
  std::string redacted = Output(id, false);
  EXPECT_EQ(redacted.find(secret), std::string::npos) << redacted;
  EXPECT_NE(redacted.find("[REDACTED:"), std::string::npos) << redacted;
  std::string raw = Output(id, true);
  EXPECT_NE(raw.find("OPENAI_API_KEY=" + secret), std::string::npos) << raw;
  // The log on disk keeps it verbatim.
  std::string log = ReadFileOrEmpty(home_.home() + "/sessions/" + id + "/events.log");
  EXPECT_NE(log.find(secret), std::string::npos);
  // The legacy /events alias redacts too.
  HttpResult legacy = Get("/events?sessionId=" + id);
  EXPECT_EQ(legacy.status, 200);
  EXPECT_EQ(legacy.body.find(secret), std::string::npos);
}

// Given a running session, archive and sacrifice should answer 409; once it finished,
// archive, summon and sacrifice should work and sacrifice should remove row and folder.
TEST_F(SessionApiTest, Rituals) {
  home_.AddScript("codex", "#!/bin/sh\nread line\n");
  std::string id = LaunchId("codex", "ritual");
  ExpectError(Post("/api/v1/sessions/" + id + "/archive", ""), 409, "session_not_live");
  ExpectError(Post("/api/v1/sessions/" + id + "/sacrifice", ""), 409, "session_not_live");
  ASSERT_EQ(SendInput(id, "bye\n").status, 202);
  EXPECT_EQ(Str(Field(WaitFinished(id), "status")), "completed");

  HttpResult r = Post("/api/v1/sessions/" + id + "/archive", "");
  ASSERT_EQ(r.status, 200) << r.body;
  json::value rec = ParseJson(r.body);
  EXPECT_FALSE(Str(Field(rec, "archived_at")).empty()) << r.body;
  EXPECT_EQ(Str(Field(rec, "status")), "completed");
  EXPECT_EQ(Get("/api/v1/sessions").body, "[]") << "archived sessions are not listed";
  EXPECT_FALSE(Field(Session(id), "archived_at").is_null());
  EXPECT_EQ(Get("/api/v1/events?sessionId=" + id).status, 200);

  r = Post("/api/v1/sessions/" + id + "/summon", "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Field(ParseJson(r.body), "archived_at").is_null());
  EXPECT_NE(Get("/api/v1/sessions").body.find(id), std::string::npos);

  std::string dir = home_.home() + "/sessions/" + id;
  ASSERT_TRUE(Exists(dir));
  r = Post("/api/v1/sessions/" + id + "/sacrifice", "");
  ASSERT_EQ(r.status, 200) << r.body;
  ExpectError(Get("/api/v1/sessions/" + id), 404, "session_not_found");
  ExpectError(Get("/api/v1/events?sessionId=" + id), 404, "session_not_found");
  EXPECT_FALSE(Exists(dir));
  EXPECT_EQ(Get("/api/v1/sessions").body, "[]");
  const std::string ghost = "00000000-0000-4000-8000-000000000000";
  for (const char* verb : {"archive", "summon", "sacrifice"}) {
    ExpectError(Post("/api/v1/sessions/" + ghost + "/" + verb, ""), 404, "session_not_found");
  }
}

// Given a harness that reports its terminal size on SIGWINCH, we should see the launch
// size, then the new size after a resize, and a resize event in the log.
TEST_F(SessionApiTest, ResizeReachesHarness) {
  home_.AddScript("codex",
                  "#!/bin/sh\nstty -opost\ntrap 'echo \"size=$(stty size)\"' WINCH\n"
                  "echo \"size=$(stty size)\"\ni=0\nwhile [ $i -lt 600 ]; do sleep 0.05; "
                  "i=$((i+1)); done\n");
  std::string id = LaunchId("codex", "winch", json::object{{"rows", 30}, {"cols", 100}});
  ASSERT_TRUE(WaitOutput(id, "size=30 100\n"));
  HttpResult r = Post("/api/v1/sessions/" + id + "/resize", R"({"rows":40,"cols":120})");
  EXPECT_EQ(r.status, 202) << r.body;
  WaitOutput(id, "size=40 120\n");
  bool found = false;
  for (const json::object& e : AllEvents(id)) {
    if (Kind(e) == "resize") {
      json::value p = Payload(e);
      EXPECT_EQ(Field(p, "rows"), json::value(40)) << e;
      EXPECT_EQ(Field(p, "cols"), json::value(120)) << e;
      found = true;
    }
  }
  EXPECT_TRUE(found) << "no resize event";
  ExpectError(Post("/api/v1/sessions/" + id + "/resize", R"({"rows":0,"cols":10})"), 400,
              "invalid_request");
  ExpectError(Post("/api/v1/sessions/" + id + "/resize", R"({"rows":10})"), 400, "invalid_request");
}

}  // namespace
}  // namespace coven::testing::sess
