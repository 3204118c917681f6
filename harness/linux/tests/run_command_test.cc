// run_command: input in, output and status out, failures to start reported, and a child that
// exits without reading its input does not take the calling process down with SIGPIPE.
#include "harness/linux/run_command.h"

#include <gtest/gtest.h>

#include <string>

namespace phantasm::linux_host {
namespace {

TEST(RunCommand, PassesInputAndCapturesOutputAndStatus) {
  auto r = run_command({"cat"}, "table inet t {}\n");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.output, "table inet t {}\n");
  r = run_command({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.output, "out\nerr\n");
  EXPECT_EQ(run_command({"sh", "-c", "kill -TERM $$"}).status, 128 + 15);
}

TEST(RunCommand, AProgramThatDoesNotExistIsReportedNotExecuted) {
  auto r = run_command({"/nonexistent/phantasm-no-such-tool", "x"});
  EXPECT_EQ(r.status, -1);
  EXPECT_NE(r.output.find("cannot run /nonexistent/phantasm-no-such-tool"), std::string::npos) << r.output;
}

TEST(RunCommand, AChildThatIgnoresItsInputDoesNotKillUs) {
  const std::string big(4 << 20, 'x');  // far beyond a pipe's buffer
  auto r = run_command({"true"}, big);
  EXPECT_EQ(r.status, 0);  // and we are still here
}

}  // namespace
}  // namespace phantasm::linux_host
