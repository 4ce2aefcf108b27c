// cli/main.h: the `coven` command line. One table of commands (cli/commands.h), each a
// thin handler: parse with CLI11, call client::/daemon::, print, return an exit code.
// Exit codes: 0 success, 1 an error the user can fix (printed as `Error: <message>`),
// 2 bad arguments.
#pragma once

namespace coven::cli {

int Main(int argc, char** argv);

}  // namespace coven::cli
