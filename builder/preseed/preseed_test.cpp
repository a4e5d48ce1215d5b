// SPDX-License-Identifier: GPL-2.0-or-later
#include "preseed/preseed.hpp"
#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/test_support.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace imgbuild;
using namespace imgbuild::preseed;

extern char** environ;

namespace {

const std::string k_id = "0123456789abcdef0123456789abcdef";

Injection injection(bool copy = false, std::string dir = "/cdrom/imgbuild/target") {
  Injection i;
  i.build_id = k_id;
  i.copy_target_overlay = copy;
  i.target_overlay_dir = std::move(dir);
  return i;
}

fs::path fresh_dir(const std::string& name) { return test::fresh_dir("preseed", name); }

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

// What the Etch loader does to a line: `set -- $line` then "$@", i.e. every run of
// whitespace becomes one space.
std::string etch_collapse(std::string_view s) {
  std::istringstream in{std::string(s)};
  std::string word, out;
  while (in >> word) out += (out.empty() ? "" : " ") + word;
  return out;
}

// A pseudo-terminal standing in for the serial port: a real character device, so the
// generated `test -c` sees what it sees on the installer.
class FakeSerial {
 public:
  FakeSerial() {
    m_master = posix_openpt(O_RDWR | O_NOCTTY);
    if (m_master < 0 || grantpt(m_master) != 0 || unlockpt(m_master) != 0) throw std::runtime_error("pty");
    m_path = ptsname(m_master);
    // Keep the slave open ourselves so the pty is not hung up when the shell exits.
    m_slave = open(m_path.c_str(), O_RDWR | O_NOCTTY);
    termios t{};
    tcgetattr(m_slave, &t);
    cfmakeraw(&t);
    tcsetattr(m_slave, TCSANOW, &t);
    fcntl(m_master, F_SETFL, O_NONBLOCK);
  }
  ~FakeSerial() { close(m_slave); close(m_master); }
  const std::string& path() const { return m_path; }
  std::string drain() {
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = read(m_master, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int m_master = -1;
  int m_slave = -1;
  std::string m_path;
};

struct RunResult {
  int status = -1;
  std::string out;  // stdout and stderr
};

// Runs `shell -c command` the way the installer's preseed_command does, with PATH
// pointing at `path_dir` first (busybox applets for the busybox run).
RunResult run_shell(const std::vector<std::string>& shell, const std::string& command,
                    const std::string& path_dir, const fs::path& scratch) {
  fs::path out_file = scratch / "output";
  std::vector<std::string> args = shell;
  args.push_back("-c");
  args.push_back(command);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string path_env = "PATH=" + path_dir + ":/usr/sbin:/usr/bin:/sbin:/bin";
  std::vector<char*> envp = {path_env.data(), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("spawn " + args[0]);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  RunResult r;
  r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  std::ifstream in(out_file);
  r.out.assign(std::istreambuf_iterator<char>(in), {});
  return r;
}

struct Shell {
  std::string name;
  std::vector<std::string> argv;
};

// dash (Debian's /bin/sh) and busybox ash (the installer's shell). For busybox, "sh" and
// "cp" on PATH are busybox too, so the nested `sh -c` and the overlay copy use its applets.
class ShellTest : public ::testing::TestWithParam<Shell> {
 protected:
  void SetUp() override {
    m_scratch = fresh_dir("shell-" + GetParam().name + "-" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    m_bin = m_scratch / "bin";
    fs::create_directories(m_bin);
    if (GetParam().name == "busybox") {
      if (!fs::exists("/usr/bin/busybox") && !fs::exists("/bin/busybox"))
        GTEST_SKIP() << "busybox missing (scripts/install-deps.sh installs it)";
      std::string bb = fs::exists("/usr/bin/busybox") ? "/usr/bin/busybox" : "/bin/busybox";
      for (const char* applet : {"sh", "cp", "echo", "test", "true", "false", "cat", "mkdir"})
        fs::create_symlink(bb, m_bin / applet);
    }
  }
  // Runs a generated command with the serial port and /target/ substituted.
  RunResult run(std::string command, const std::string& device) {
    command = replace_all(command, k_marker_device, device);
    // The machine running the tests is not the installer: its EFI state must not decide.
    command = replace_all(command, k_efi_dir, (m_scratch / "efi").string());
    command = replace_all(command, k_cmdline, (m_scratch / "cmdline").string());
    command = replace_all(command, k_hostname_file, (m_scratch / "hostname").string());
    command = replace_all(command, " /target/", " " + (m_scratch / "target").string() + "/");
    std::vector<std::string> argv = GetParam().argv;
    if (GetParam().name == "busybox") argv[0] = (m_bin / "sh").string();
    return run_shell(argv, command, m_bin.string(), m_scratch);
  }
  fs::path m_scratch;
  fs::path m_bin;
};

}  // namespace

// ---------------------------------------------------------------------------- parse

TEST(Parse, FieldsAndValueAsTheInstallerReadsThem) {
  Preseed p = parse("d-i   debian-installer/locale\tstring   en_US  \n"
                    "d-i passwd/make-user boolean false\n"
                    "d-i pkgsel/include string\n",
                    "x.cfg");
  ASSERT_EQ(p.entries.size(), 3u);
  EXPECT_TRUE(p.problems.empty());
  EXPECT_EQ(p.entries[0].owner, "d-i");
  EXPECT_EQ(p.entries[0].question, "debian-installer/locale");
  EXPECT_EQ(p.entries[0].type, "string");
  EXPECT_EQ(p.entries[0].value, "en_US  ");  // leading blanks dropped, trailing kept
  EXPECT_EQ(p.entries[0].line, 1);
  EXPECT_EQ(p.entries[1].value, "false");
  EXPECT_EQ(p.entries[2].type, "string");
  EXPECT_EQ(p.entries[2].value, "");
  EXPECT_EQ(p.entries[2].line, 3);
}

TEST(Parse, CommentsBlankLinesAndCrlf) {
  Preseed p = parse("#_preseed_V1\r\n\r\n   \n# a comment\nd-i mirror/country string manual\r\n", "x");
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].value, "manual");
  EXPECT_EQ(p.entries[0].line, 5);
  EXPECT_TRUE(p.problems.empty());
}

TEST(Parse, ContinuationLinesJoinWithOneSpace) {
  Preseed p = parse("d-i preseed/late_command string a   \\\n"
                    "# a comment in between is skipped\n"
                    "\n"
                    "      b \\\n"
                    "c\n"
                    "d-i x/y string z\n",
                    "x");
  ASSERT_EQ(p.entries.size(), 2u);
  EXPECT_EQ(p.entries[0].value, "a b c");
  EXPECT_EQ(p.entries[0].line, 1);
  EXPECT_EQ(p.entries[0].end_line, 5);
  EXPECT_EQ(p.entries[1].line, 6);
}

TEST(Parse, MalformedLinesAreProblems) {
  Preseed p = parse("justoneword\nd-i two\nd-i three/fields string\n", "x");
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].question, "three/fields");
  ASSERT_EQ(p.problems.size(), 2u);
  EXPECT_EQ(p.problems[0].line, 1);
  EXPECT_NE(p.problems[0].message.find("owner"), std::string::npos);
  EXPECT_FALSE(p.problems[0].warning);
  EXPECT_EQ(p.problems[1].line, 2);
  EXPECT_NE(p.problems[1].message.find("template name"), std::string::npos);
}

TEST(Parse, IndentedCommentIsNotAComment) {
  Preseed p = parse("  # this is read as a question\n  #broken\n", "x");
  EXPECT_TRUE(p.entries.empty());
  ASSERT_EQ(p.problems.size(), 2u);
  EXPECT_TRUE(p.problems[0].warning);
  EXPECT_NE(p.problems[0].message.find("'this'"), std::string::npos);
  EXPECT_FALSE(p.problems[1].warning);
}

TEST(Parse, DanglingContinuationAtEndOfFile) {
  Preseed p = parse("d-i a/b string c\nd-i preseed/late_command string foo \\\n", "x");
  ASSERT_EQ(p.entries.size(), 1u);
  ASSERT_EQ(p.problems.size(), 1u);
  EXPECT_EQ(p.problems[0].line, 2);
  EXPECT_FALSE(p.problems[0].warning);
}

TEST(Parse, NulByteIsAnErrorWithItsLine) {
  std::string text = "d-i a/b string c\nd-i a/b string \0x\n";
  text[text.size() - 3] = '\0';
  try {
    parse(text, "bad.cfg");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.subject(), "bad.cfg");
    EXPECT_NE(e.problem().find("line 2"), std::string::npos) << e.what();
    EXPECT_EQ(e.exit_code(), 2);
  }
}

TEST(Parse, InvalidUtf8IsAnErrorWithItsLine) {
  EXPECT_NO_THROW(parse("d-i passwd/user-fullname string J\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x98\x80\n", "x"));
  for (std::string bad : {"\xfc", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82"}) {
    try {
      parse("# ok\n\nd-i passwd/user-fullname string J" + bad + "rgen\n", "latin1.cfg");
      ADD_FAILURE() << "accepted invalid UTF-8";
    } catch (const Error& e) {
      EXPECT_NE(e.problem().find("line 3"), std::string::npos) << e.what();
    }
  }
}

// ---------------------------------------------------------------------------- rewrite

TEST(AddCommands, AddsBothLinesWhenMissingAndKeepsTheRest) {
  std::string text = "# my comment\n\nd-i mirror/country string manual   \n";
  std::string out = add_imgbuild_commands(text, "x", injection());
  ASSERT_TRUE(out.ends_with(text)) << out;
  Preseed p = parse(out, "x");
  ASSERT_EQ(p.entries.size(), 3u);
  EXPECT_EQ(p.entries[0].question, "preseed/early_command");
  EXPECT_EQ(p.entries[0].value, early_command(injection(), ""));
  EXPECT_EQ(p.entries[1].question, "preseed/late_command");
  EXPECT_EQ(p.entries[1].value, late_command(injection(), ""));
  EXPECT_NE(p.entries[0].value.find("IMGBUILD:preseed-loaded:" + k_id), std::string::npos);
}

TEST(AddCommands, InsertsAfterPreseedVersionHeader) {
  std::string out = add_imgbuild_commands("#_preseed_V1\nd-i a/b string c\n", "x", injection());
  EXPECT_TRUE(out.starts_with("#_preseed_V1\n# imgbuild")) << out;
  EXPECT_TRUE(out.ends_with("\nd-i a/b string c\n"));
}

TEST(AddCommands, DanglingContinuationCannotSwallowTheAddedLines) {
  std::string out = add_imgbuild_commands("d-i a/b string c \\\n", "x", injection());
  Preseed p = parse(out, "x");
  ASSERT_GE(p.entries.size(), 2u);
  EXPECT_EQ(p.entries[0].question, "preseed/early_command");
  EXPECT_EQ(p.entries[1].question, "preseed/late_command");
}

TEST(AddCommands, KeepsTheUsersCommandsInPlace) {
  std::string text =
      "# header\r\n"
      "d-i preseed/early_command string echo 'it''s' \"$x\" | tee /tmp/a\r\n"
      "d-i a/b string c\r\n"
      "d-i preseed/late_command string in-target true\r\n"
      "# footer";
  std::string out = add_imgbuild_commands(text, "x", injection(true));
  Preseed before = parse(text, "x");
  Preseed after = parse(out, "x");
  ASSERT_EQ(after.entries.size(), 3u);
  EXPECT_EQ(after.entries[0].value, early_command(injection(true), before.entries[0].value));
  EXPECT_EQ(after.entries[2].value, late_command(injection(true), before.entries[2].value));
  EXPECT_EQ(after.entries[0].line, 2);
  EXPECT_EQ(after.entries[2].line, 4);
  EXPECT_TRUE(out.starts_with("# header\r\nd-i preseed/early_command string imgbuild_mark()"));
  EXPECT_NE(out.find("\r\nd-i a/b string c\r\n"), std::string::npos);
  EXPECT_TRUE(out.ends_with("true'; imgbuild_rc=$?; if test -n \"$imgbuild_lh\"; then echo "
                            "IMGBUILD:hostname:$(cat /proc/sys/kernel/hostname 2>/dev/null); fi; if test $imgbuild_rc "
                            "-eq 0; then imgbuild_mark "
                            "IMGBUILD:install-finished; else imgbuild_mark "
                            "IMGBUILD:late-command-failed:$imgbuild_rc; fi; exit $imgbuild_rc\r\n# footer"))
      << out;
  EXPECT_NE(out.find("cp -a /cdrom/imgbuild/target/. /target/ && sh -c 'in-target true'"), std::string::npos);
}

TEST(AddCommands, RewritesTheEffectiveLineOfADuplicate) {
  std::string text = "d-i preseed/late_command string first\n"
                     "d-i preseed/late_command seen false\n"
                     "d-i preseed/late_command string second\n";
  std::string out = add_imgbuild_commands(text, "x", injection());
  Preseed p = parse(out, "x");
  // early_command added, then the three original lines.
  ASSERT_EQ(p.entries.size(), 4u);
  EXPECT_EQ(p.entries[1].value, "first");
  EXPECT_EQ(p.entries[2].value, "false");
  EXPECT_EQ(p.entries[3].value, late_command(injection(), "second"));
}

TEST(AddCommands, MultiLineLateCommandKeepsItsLines) {
  std::string text =
      "d-i preseed/late_command string \\\n"
      "    echo one > /target/one; \\\n"
      "# a comment the installer skips\n"
      "    echo 'two  spaces' > /target/two ;\\\n"
      "    echo three\n"
      "d-i a/b string c\n";
  std::string out = add_imgbuild_commands(text, "x", injection());
  Preseed before = parse(text, "x");
  Preseed after = parse(out, "x");
  ASSERT_EQ(after.entries.size(), 3u);
  // Two lines (a comment and the early_command) were added above it.
  EXPECT_EQ(after.entries[1].line, 3);
  EXPECT_EQ(after.entries[1].end_line, 7);
  EXPECT_EQ(after.entries[1].value, late_command(injection(), before.entries[0].value));
  EXPECT_NE(out.find("\n# a comment the installer skips\n"), std::string::npos);
  EXPECT_NE(out.find("\n    'echo one > /target/one; \\\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nd-i a/b string c\n"), std::string::npos);
}

TEST(AddCommands, OddLayoutFallsBackToOneLine) {
  // The type carries the continuation: the line is rewritten as one.
  std::string text = "d-i preseed/late_command string\\\n  echo hi\n# after\n";
  std::string out = add_imgbuild_commands(text, "x", injection());
  Preseed p = parse(out, "x");
  ASSERT_EQ(p.entries.size(), 2u);
  EXPECT_EQ(p.entries[1].value, late_command(injection(), "echo hi"));
  EXPECT_TRUE(out.ends_with("\n# after\n"));
}

TEST(AddCommands, GeneratedCommandsSurviveTheEtchLoader) {
  // Etch's loader re-joins the words of each line with single spaces and globs them: the
  // only glob character is the "?" of "imgbuild_rc=$?;", a pattern no file matches.
  for (const std::string& cmd :
       {early_command(injection(), ""), early_command(injection(), "echo a"),
        late_command(injection(true), ""), late_command(injection(true), "echo a")}) {
    EXPECT_EQ(etch_collapse(cmd), cmd);
    EXPECT_EQ(cmd.find_first_of("*[\n\\"), std::string::npos) << cmd;
    EXPECT_EQ(replace_all(cmd, "imgbuild_rc=$?;", "").find('?'), std::string::npos) << cmd;
  }
}

TEST(AddCommands, RejectsBadBuildIdAndOverlayDir) {
  Injection bad = injection();
  bad.build_id = "xyz";
  EXPECT_THROW(add_imgbuild_commands("", "x", bad), Error);
  EXPECT_THROW(add_imgbuild_commands("", "x", injection(true, "/cdrom/my dir")), Error);
  EXPECT_THROW(add_imgbuild_commands("", "x", injection(true, "relative")), Error);
  EXPECT_THROW(add_imgbuild_commands("d-i a/b string \xff\n", "x", injection()), Error);
}

// Etch's apt 0.6 trusts /etc/apt/trusted.gpg only: the late command adds the keyring of
// the disc's signed repository once the overlay is in /target, before the user's command
// (which may install from it), and a failing apt-key stops it with its status. Run by sh
// with cp and in-target replaced by recorders.
TEST(AddCommands, AptKeyAddRunsAfterTheCopyAndBeforeTheUsersCommand) {
  auto slurp = [](const fs::path& path) { return imgbuild::util::read_small_file(path.string()); };
  fs::path dir = fresh_dir("apt-key");
  fs::path log = dir / "log";
  for (const char* tool : {"cp", "in-target"}) {
    std::ofstream(dir / tool) << "#!/bin/sh\necho \"" << tool << " $*\" >>'" << log.string()
                              << "'\nexit " << (tool == std::string("cp") ? "0" : "${FAKE_STATUS:-0}") << "\n";
    fs::permissions(dir / tool, fs::perms::owner_all);
  }
  Injection with_key = injection(true);
  with_key.apt_key_file = "/usr/share/keyrings/imgbuild-local.gpg";
  std::string command = late_command(with_key, "echo user >>" + log.string());
  EXPECT_EQ(etch_collapse(command), command);
  auto run = [&](const char* status) {
    fs::remove(log);
    std::string shell = "PATH='" + dir.string() + "':$PATH FAKE_STATUS=" + status + " sh -c " + shell_quote(command) +
                        " >'" + (dir / "out").string() + "'";
    int rc = std::system(shell.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  EXPECT_EQ(run("0"), 0);
  EXPECT_EQ(slurp(log), "cp -a /cdrom/imgbuild/target/. /target/\n"
                        "in-target apt-key add /usr/share/keyrings/imgbuild-local.gpg\nuser\n");
  EXPECT_EQ(slurp(dir / "out"), "IMGBUILD:install-finished\n");
  EXPECT_EQ(run("5"), 5);
  // The user's command did not run.
  EXPECT_EQ(slurp(log), "cp -a /cdrom/imgbuild/target/. /target/\n"
                        "in-target apt-key add /usr/share/keyrings/imgbuild-local.gpg\n");
  EXPECT_EQ(slurp(dir / "out"), "IMGBUILD:late-command-failed:5\n");

  with_key.apt_key_file = "/usr/share/my keys.gpg";
  EXPECT_THROW(add_imgbuild_commands("", "x", with_key), Error);
  Injection without_overlay = injection();
  without_overlay.apt_key_file = "/usr/share/keyrings/imgbuild-local.gpg";
  EXPECT_THROW(add_imgbuild_commands("", "x", without_overlay), Error);
}

TEST(ShellQuote, SingleQuotesWithoutBackslashes) {
  EXPECT_EQ(shell_quote("it's"), "'it'\"'\"'s'");
  EXPECT_EQ(shell_quote(""), "''");
}

// ---------------------------------------------------------------------------- in a shell

TEST_P(ShellTest, EarlyCommandWritesTheMarkerThenRunsTheUsers) {
  FakeSerial serial;
  RunResult r = run(early_command(injection(), ""), serial.path());
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(serial.drain(), "IMGBUILD:secureboot:bios\nIMGBUILD:preseed-loaded:" + k_id + "\n");

  // Quoting survives: quotes, $(), pipes, a trailing comment, and the user's exit status.
  std::string user = "x='a b'; echo \"[$x]\" 'single '\"'\"'q'\"'\"'' $(echo sub) | cat; exit 3 # done";
  r = run(early_command(injection(), user), serial.path());
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(serial.drain(), "IMGBUILD:secureboot:bios\nIMGBUILD:preseed-loaded:" + k_id + "\n");
  EXPECT_EQ(r.out, "IMGBUILD:preseed-loaded:" + k_id + "\n[a b] single 'q' sub\n");
}

// The Secure Boot state the early_command reports, from a kernel log (a stand-in dmesg on
// PATH) or the SecureBoot variable (a file in the substituted efivars directory); only on
// the serial port: the command's output, which the installer logs, is unchanged.
TEST_P(ShellTest, EarlyCommandReportsTheSecureBootState) {
  const fs::path efi = m_scratch / "efi";
  const fs::path variable = efi / "efivars" / "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";
  auto write = [](const fs::path& path, const std::string& bytes) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
  };
  auto kernel_log = [&](const std::string& text) {
    write(m_bin / "dmesg", "#!/bin/sh\nprintf '%s\\n' '" + text + "'\n");
    fs::permissions(m_bin / "dmesg", fs::perms::owner_all);
  };
  auto state = [&]() {
    FakeSerial serial;
    RunResult r = run(early_command(injection(), "echo user"), serial.path());
    EXPECT_EQ(r.status, 0);
    EXPECT_EQ(r.out, "IMGBUILD:preseed-loaded:" + k_id + "\nuser\n");
    std::string lines = serial.drain();
    std::size_t end = lines.find('\n');
    EXPECT_EQ(lines.substr(end + 1), "IMGBUILD:preseed-loaded:" + k_id + "\n");
    return lines.substr(0, end);
  };
  kernel_log("[    0.000000] secureboot: Secure boot enabled");
  EXPECT_EQ(state(), "IMGBUILD:secureboot:bios");  // no /sys/firmware/efi: not a UEFI boot
  fs::create_directories(efi);
  EXPECT_EQ(state(), "IMGBUILD:secureboot:on");
  kernel_log("[    0.000000] secureboot: Secure boot disabled");
  EXPECT_EQ(state(), "IMGBUILD:secureboot:off");
  kernel_log("[    0.000000] secureboot: Secure boot could not be determined");
  EXPECT_EQ(state(), "IMGBUILD:secureboot:unknown");
  // The kernel's line is gone (log overflowed): the variable decides.
  kernel_log("[  120.000000] random: crng init done");
  write(variable, std::string("\x06\x00\x00\x00\x01", 5));
  EXPECT_EQ(state(), "IMGBUILD:secureboot:on");
  write(variable, std::string("\x06\x00\x00\x00\x00", 5));
  EXPECT_EQ(state(), "IMGBUILD:secureboot:off");
  fs::remove(variable);
  EXPECT_EQ(state(), "IMGBUILD:secureboot:unknown");
}

TEST_P(ShellTest, MissingOrBrokenSerialPortIsHarmless) {
  for (std::string device : {(m_scratch / "no" / "ttyS0").string(), std::string("/dev/full"),
                             m_scratch.string()}) {
    RunResult r = run(early_command(injection(), "echo user"), device);
    EXPECT_EQ(r.status, 0) << device;
    EXPECT_EQ(r.out, "IMGBUILD:preseed-loaded:" + k_id + "\nuser\n") << device;
    EXPECT_FALSE(fs::exists(m_scratch / "no")) << "created a file in place of the port";
    r = run(late_command(injection(), "exit 4"), device);
    EXPECT_EQ(r.status, 4);
    EXPECT_EQ(r.out, "IMGBUILD:late-command-failed:4\n") << device;
  }
}

TEST_P(ShellTest, LateCommandReportsSuccessAndFailure) {
  FakeSerial serial;
  RunResult r = run(late_command(injection(), ""), serial.path());
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(serial.drain(), "IMGBUILD:install-finished\n");

  r = run(late_command(injection(), "echo it's fine"), serial.path());  // a shell syntax error
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(serial.drain(), "IMGBUILD:late-command-failed:" + std::to_string(r.status) + "\n");

  r = run(late_command(injection(), "echo ok; false"), serial.path());
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(serial.drain(), "IMGBUILD:late-command-failed:1\n");

  r = run(late_command(injection(), "set -e; echo ok; exit 0; false"), serial.path());
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(serial.drain(), "IMGBUILD:install-finished\n");
  EXPECT_EQ(r.out, "ok\nIMGBUILD:install-finished\n");
}

// The installer's log_host/log_port go to the installed system for the first-boot hook;
// without log_host nothing is written, and the late command's status is its own.
TEST_P(ShellTest, LateCommandKeepsWhereTheInstallerReportedTo) {
  FakeSerial serial;
  fs::path report_to = m_scratch / "target" / "etc" / "imgbuild" / "report-to";
  std::ofstream(m_scratch / "cmdline") << "BOOT_IMAGE=/install.amd/vmlinuz auto=true log_host=192.0.2.10 "
                                          "log_port=5514 --- quiet\n";
  std::ofstream(m_scratch / "hostname") << "pe07\n";
  RunResult r = run(late_command(injection(), "exit 3"), serial.path());
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(serial.drain(), "IMGBUILD:late-command-failed:3\n");
  // Whose result it is, just before it on the output that goes to syslog.
  EXPECT_EQ(r.out, "IMGBUILD:hostname:pe07\nIMGBUILD:late-command-failed:3\n");
  EXPECT_EQ(imgbuild::util::read_small_file(report_to.string()), "192.0.2.10 5514\n");
  fs::remove_all(m_scratch / "target");
  std::ofstream(m_scratch / "cmdline") << "auto=true xlog_host=1.2.3.4 log_host=192.0.2.11\n";
  r = run(late_command(injection(), ""), serial.path());
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(imgbuild::util::read_small_file(report_to.string()), "192.0.2.11 514\n");
  serial.drain();
  fs::remove_all(m_scratch / "target");
  std::ofstream(m_scratch / "cmdline") << "auto=true priority=critical\n";
  r = run(late_command(injection(), ""), serial.path());
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(serial.drain(), "IMGBUILD:install-finished\n");
  EXPECT_FALSE(fs::exists(report_to));
}

TEST_P(ShellTest, LateCommandCopiesTheTargetOverlayFirst) {
  FakeSerial serial;
  fs::path overlay = m_scratch / "overlay";
  fs::create_directories(overlay / "etc" / "imgbuild");
  std::ofstream(overlay / "etc" / "imgbuild" / "hook") << "#!/bin/sh\n";
  std::ofstream(overlay / ".hidden") << "x";
  fs::permissions(overlay / "etc" / "imgbuild" / "hook", fs::perms(0755));
  fs::create_directories(m_scratch / "target" / "etc");
  std::ofstream(m_scratch / "target" / "etc" / "existing") << "keep";

  RunResult r = run(late_command(injection(true, overlay.string()),
                                 "test -x /target/etc/imgbuild/hook && echo seen"),
                    serial.path());
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out, "seen\nIMGBUILD:install-finished\n");
  EXPECT_EQ(serial.drain(), "IMGBUILD:install-finished\n");
  EXPECT_TRUE(fs::exists(m_scratch / "target" / ".hidden"));
  EXPECT_TRUE(fs::exists(m_scratch / "target" / "etc" / "existing"));
  EXPECT_EQ(fs::status(m_scratch / "target" / "etc" / "imgbuild" / "hook").permissions() & fs::perms::all,
            fs::perms(0755));

  // A missing overlay is a failed late_command, and the user's part does not run.
  r = run(late_command(injection(true, (m_scratch / "absent").string()), "echo user"), serial.path());
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.out.find("user"), std::string::npos);
  EXPECT_EQ(serial.drain(), "IMGBUILD:late-command-failed:" + std::to_string(r.status) + "\n");
}

TEST_P(ShellTest, MultiLineLateCommandFromAPreseedRuns) {
  FakeSerial serial;
  std::string text =
      "d-i preseed/late_command string \\\n"
      "    echo 'one  two' > /target/out; \\\n"
      "# skipped by the installer\n"
      "    echo \"it's\" >> /target/out;\\\n"
      "    test -s /target/out\n";
  fs::create_directories(m_scratch / "target");
  Preseed p = parse(add_imgbuild_commands(text, "x", injection()), "x");
  ASSERT_EQ(p.entries.size(), 2u);
  RunResult r = run(p.entries[1].value, serial.path());
  EXPECT_EQ(r.status, 0) << r.out << "\n" << p.entries[1].value;
  EXPECT_EQ(serial.drain(), "IMGBUILD:install-finished\n");
  std::ifstream in(m_scratch / "target" / "out");
  std::string content(std::istreambuf_iterator<char>(in), {});
  EXPECT_EQ(content, "one  two\nit's\n");
}

// The flagship preseed's early_command writes a partman hook with echo, quotes and
// redirections: wrapped by imgbuild it must do exactly what it does unwrapped, in both
// shells, and the rewritten line must survive Etch's loader (single spaces, no new glob
// characters). The flagship and its hook are what this test is about: without them it
// fails, it does not skip.
TEST_P(ShellTest, FlagshipEarlyCommandDoesWhatItDidUnwrapped) {
  fs::path flagship = fs::path(IMGBUILD_SOURCE_DIR) / "preseed" / "etch-pe2950-vmware.cfg";
  ASSERT_TRUE(fs::exists(flagship)) << flagship << " is missing: the flagship preseed is what this test checks";
  std::ifstream in(flagship);
  std::string text(std::istreambuf_iterator<char>(in), {});
  auto early_of = [](const Preseed& p) {
    const Entry* found = nullptr;
    for (const Entry& e : p.entries)
      if (e.question == "preseed/early_command") found = &e;
    return found;
  };
  Preseed before = parse(text, "f");
  Preseed after = parse(add_imgbuild_commands(text, flagship.string(), injection(true)), "f");
  ASSERT_EQ(after.entries.size(), before.entries.size());
  const Entry* original = early_of(before);
  const Entry* wrapped = early_of(after);
  ASSERT_TRUE(original && wrapped);
  EXPECT_EQ(etch_collapse(wrapped->value), wrapped->value);
  ASSERT_NE(original->value.find("/lib/partman/init.d"), std::string::npos)
      << "the flagship's early_command no longer writes a partman hook: the disk choice on the "
         "PERC depends on it (if that changed on purpose, this test must follow)";

  // Run both with the hook directory moved into the scratch area.
  auto files_written = [&](const std::string& value, const std::string& name) {
    fs::path dir = m_scratch / name;
    FakeSerial serial;
    RunResult r = run(replace_all(value, "/lib/partman/init.d", dir.string()), serial.path());
    EXPECT_EQ(r.status, 0) << name << ": " << r.out;
    std::map<std::string, std::string> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::ifstream f(entry.path());
      auto perms = static_cast<unsigned>(fs::status(entry.path()).permissions() & fs::perms::all);
      files[entry.path().filename().string()] =
          std::to_string(perms) + ":" + std::string(std::istreambuf_iterator<char>(f), {});
    }
    return std::make_pair(files, serial.drain());
  };
  auto [plain_files, plain_serial] = files_written(original->value, "plain");
  auto [wrapped_files, wrapped_serial] = files_written(wrapped->value, "wrapped");
  EXPECT_FALSE(plain_files.empty());
  EXPECT_EQ(wrapped_files, plain_files);
  EXPECT_EQ(plain_serial, "");
  EXPECT_EQ(wrapped_serial, "IMGBUILD:secureboot:bios\nIMGBUILD:preseed-loaded:" + k_id + "\n");
  // The hook the preseed's comment describes: one executable three-line script that runs
  // choose-disk.sh from the disc and always exits 0 (partman stops on a failing init.d).
  ASSERT_EQ(plain_files.size(), 1u);
  EXPECT_EQ(plain_files.begin()->first, "02imgbuild_choose_disk");
  const std::string& hook = plain_files.begin()->second;
  EXPECT_TRUE(hook.starts_with("493:#!/bin/sh\n")) << hook;  // 493: mode 0755
  EXPECT_EQ(std::count(hook.begin(), hook.end(), '\n'), 3) << hook;
  EXPECT_NE(hook.find("\nsh /cdrom/imgbuild/target/usr/local/lib/imgbuild/choose-disk.sh --debconf\n"),
            std::string::npos) << hook;
  EXPECT_TRUE(hook.ends_with("\nexit 0\n")) << hook;
}

INSTANTIATE_TEST_SUITE_P(Shells, ShellTest,
                         ::testing::Values(Shell{"dash", {"/bin/dash"}},
                                           Shell{"busybox", {"busybox-sh"}}),
                         [](const auto& info) { return info.param.name; });


TEST(Parse, RecordsWhatOnlyEtchTripsOver) {
  Preseed p = parse("d-i a/b string x\n"
                    "   \t\n"
                    "\n"
                    "d-i preseed/late_command string echo a\\\n"
                    "b \\\n"
                    "c\n"
                    "d-i x/y string p\\\n"
                    "   q\n",
                    "x");
  EXPECT_EQ(p.blank_lines_with_spaces, (std::vector<int>{2}));
  EXPECT_EQ(p.glued_continuations, (std::vector<int>{5}));  // "a\" + "b": Etch reads "ab"
  ASSERT_EQ(p.entries.size(), 3u);
  EXPECT_EQ(p.entries[1].value, "echo a b c");  // today's installers put a blank
}
