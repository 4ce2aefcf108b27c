// End-to-end: shell completion (issue 14) generated from the command table: the scripts
// `coven completion bash|zsh|fish` print, and the candidates `coven __complete` gives for
// commands, options, harness ids and live session ids (through the daemon; nothing, and
// no error, when it is down).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "e2e/session_helpers.h"
#include "support/testing.h"

namespace coven::testing::sess {
namespace {

class CompletionTest : public SessionTest {
 protected:
  // The candidates for the last word of `words` (a command line being typed).
  RunResult Complete(const std::vector<std::string>& words) {
    std::vector<std::string> args = {"__complete", std::to_string(words.size() - 1)};
    args.insert(args.end(), words.begin(), words.end());
    return home_.Coven(args, kHangGuard);
  }
};

// Given partial command lines, __complete should offer what the command table holds:
// commands, subcommands, a command's own flags, harness ids (manifests included), and
// nothing after an option that takes a value of the user's own.
TEST_F(CompletionTest, CandidatesComeFromTheCommandTable) {
  EXPECT_EQ(Complete({"coven", "att"}).out, "attach\n");
  EXPECT_EQ(Complete({"coven", "daemon", "st"}).out, "start\nstatus\nstop\n");
  EXPECT_EQ(Complete({"coven", "logs", "--f"}).out, "--follow\n");
  EXPECT_EQ(Complete({"coven", "run", "cl"}).out, "claude\n");
  EXPECT_EQ(Complete({"coven", "run", "--cwd", ""}).out, "");
  std::string all = Complete({"coven", ""}).out;
  for (const char* cmd : {"run\n", "sessions\n", "attach\n", "doctor\n", "completion\n"}) {
    EXPECT_NE(all.find(cmd), std::string::npos) << cmd;
  }
  EXPECT_EQ(all.find("serve"), std::string::npos) << "hidden commands stay hidden";
  EXPECT_EQ(all.find("shim"), std::string::npos);
}

// Given running sessions, a session id position should complete their ids by prefix; with
// the daemon stopped it should print nothing and exit 0 (never start it, never complain).
TEST_F(CompletionTest, SessionIdsFromTheDaemonAndSilenceWithout) {
  home_.AddScript("codex", "#!/bin/sh\necho hi\n");
  std::string id = LaunchId("codex", "x");
  WaitFinished(id);
  RunResult ids = Complete({"coven", "attach", id.substr(0, 4)});
  EXPECT_EQ(ids.exit_code, 0);
  EXPECT_NE(ids.out.find(id + "\n"), std::string::npos) << ids.out;
  EXPECT_EQ(Complete({"coven", "kill", "zzzz"}).out, "");

  ASSERT_EQ(home_.Coven({"daemon", "stop"}).exit_code, 0);
  RunResult down = Complete({"coven", "attach", ""});
  EXPECT_EQ(down.exit_code, 0);
  EXPECT_EQ(down.out, "");
  EXPECT_EQ(down.err, "");
  EXPECT_EQ(home_.DaemonPid(), 0) << "completion must not start the daemon";
}

// Given the bash script, bash itself should complete `coven att<TAB>` to `attach` through
// the function the script registers; zsh and fish scripts name their own mechanisms, and
// an unknown shell is a usage error.
TEST_F(CompletionTest, ShellScripts) {
  RunResult bash = home_.Coven({"completion", "bash"});
  ASSERT_EQ(bash.exit_code, 0) << bash.err;
  WriteFile(project_ / "coven.bash", bash.out);
  std::string bin_dir = CovenBin().substr(0, CovenBin().rfind('/'));
  RunResult tab = testing::Run({"bash", "-c",
                                "PATH=" + bin_dir + ":$PATH; source " + (project_ / "coven.bash") +
                                    "; COMP_WORDS=(coven att); COMP_CWORD=1; _coven; "
                                    "printf '%s\\n' \"${COMPREPLY[@]}\"; complete -p coven"},
                               home_.env(), kHangGuard);
  EXPECT_EQ(tab.exit_code, 0) << tab.err;
  EXPECT_EQ(tab.out.rfind("attach\n", 0), 0u) << tab.out;
  EXPECT_NE(tab.out.find("-F _coven coven"), std::string::npos) << tab.out;
  EXPECT_NE(home_.Coven({"completion", "zsh"}).out.find("compdef _coven coven"), std::string::npos);
  EXPECT_NE(home_.Coven({"completion", "fish"}).out.find("complete -c coven"), std::string::npos);
  RunResult bad = home_.Coven({"completion", "tcsh"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown shell `tcsh`"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace coven::testing::sess
