// SPDX-License-Identifier: GPL-2.0-or-later
#include "redfish/password.hpp"

#include "util/error.hpp"

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <termios.h>
#include <unistd.h>

namespace imgbuild::redfish {

namespace {

void strip_line_end(std::string& text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
}

std::string prompt(const std::string& user) {
  int fd = ::open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string question = "BMC password for " + user + ": ";
  (void)!::write(fd, question.data(), question.size());
  termios saved{};
  bool have_termios = ::tcgetattr(fd, &saved) == 0;
  if (have_termios) {
    termios quiet = saved;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::string answer;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') answer += c;
  if (have_termios) ::tcsetattr(fd, TCSAFLUSH, &saved);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  return answer;
}

}  // namespace

std::string read_password(const std::string& password_file, const std::string& user) {
  if (!password_file.empty()) {
    std::ifstream in(password_file, std::ios::binary);
    std::string line;
    if (!in || !std::getline(in, line))
      throw Error("--password-file " + password_file, "cannot be read", "give a file whose first line is the password");
    strip_line_end(line);
    if (line.empty()) throw Error("--password-file " + password_file, "its first line is empty");
    return line;
  }
  if (const char* value = std::getenv(k_password_variable); value && *value) return value;
  if (::isatty(STDIN_FILENO)) {
    std::string answer = prompt(user);
    strip_line_end(answer);
    if (!answer.empty()) return answer;
  }
  throw Error("BMC password", "none given",
              std::string("use --password-file FILE or the environment variable ") + k_password_variable +
                  ", or run on a terminal to be asked");
}

}  // namespace imgbuild::redfish
