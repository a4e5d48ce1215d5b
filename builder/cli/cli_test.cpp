// SPDX-License-Identifier: GPL-2.0-or-later
// The man pages (doc/man/*.scd) and the completion scripts against the CLI11 definition
// main() parses with: every option of a command is documented in that command's page,
// every option a page documents exists, and the scripts offer every command and option.
#include "cli/app.hpp"
#include "cli/cli_model.hpp"
#include "cli/completion.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using namespace imgbuild::cli;

namespace {

std::vector<CommandSpec> commands() {
  Action action;
  auto app = make_app(action);
  return describe_cli(*app);
}

std::string page_name(const CommandSpec& command) {
  return command.name.empty() ? "imgbuild.1.scd" : "imgbuild-" + command.name + ".1.scd";
}

std::string read_page(const CommandSpec& command) {
  fs::path path = fs::path(IMGBUILD_SOURCE_DIR) / "doc" / "man" / page_name(command);
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The OPTIONS section: from "# OPTIONS" to the next "# ".
std::string options_section(const std::string& page) {
  auto start = page.find("\n# OPTIONS\n");
  if (start == std::string::npos) return {};
  auto end = page.find("\n# ", start + 1);
  return page.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// Option names a page defines: the "*--name*" and "*-x*" items starting a line of OPTIONS.
std::set<std::string> documented_options(const std::string& page) {
  std::set<std::string> names;
  std::istringstream lines(options_section(page));
  static const std::regex item(R"(\*(--?[A-Za-z0-9][A-Za-z0-9-]*)\*)");
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("*-")) continue;
    for (std::sregex_iterator it(line.begin(), line.end(), item), end; it != end; ++it) names.insert((*it)[1]);
  }
  return names;
}

}  // namespace

TEST(ManPages, EveryCommandHasAPageWithTheRequiredSections) {
  for (const auto& command : commands()) {
    std::string page = read_page(command);
    ASSERT_FALSE(page.empty()) << "doc/man/" << page_name(command) << " is missing";
    for (const char* section : {"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "ENVIRONMENT", "FILES",
                                "EXAMPLES", "SEE ALSO"})
      EXPECT_NE(page.find(std::string("\n# ") + section + "\n"), std::string::npos)
          << page_name(command) << " has no " << section << " section";
  }
}

TEST(ManPages, EveryOptionIsDocumentedInItsCommandsPage) {
  for (const auto& command : commands()) {
    std::set<std::string> documented = documented_options(read_page(command));
    for (const auto& option : command.options)
      for (const auto& name : option.names)
        EXPECT_TRUE(documented.count(name))
            << page_name(command) << ": option " << name << " (" << option.description
            << ") is not documented; add a line '*" << name << "*' to its OPTIONS section";
    std::string options = options_section(read_page(command));
    for (const auto& positional : command.positionals) {
      std::string upper;
      for (char c : positional.positional) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      EXPECT_NE(options.find("_" + upper + "_"), std::string::npos)
          << page_name(command) << ": argument " << upper << " is not described in OPTIONS";
    }
  }
}

TEST(ManPages, EveryDocumentedOptionExists) {
  for (const auto& command : commands()) {
    std::set<std::string> known;
    for (const auto& option : command.options) known.insert(option.names.begin(), option.names.end());
    for (const auto& name : documented_options(read_page(command)))
      EXPECT_TRUE(known.count(name)) << page_name(command) << " documents " << name << ", which "
                                     << (command.name.empty() ? "imgbuild" : command.name) << " does not have";
  }
}

TEST(ManPages, TheMainPageListsEveryCommand) {
  auto all = commands();
  std::string page = read_page(all.front());
  for (std::size_t i = 1; i < all.size(); ++i) {
    EXPECT_NE(page.find("\n*" + all[i].name + "*"), std::string::npos) << "imgbuild.1: command " << all[i].name;
    EXPECT_NE(page.find("*imgbuild-" + all[i].name + "*(1)"), std::string::npos) << "imgbuild.1: SEE ALSO " << all[i].name;
  }
}

TEST(CliModel, KindsComeFromTheDefinition) {
  auto all = commands();
  auto find = [&](const std::string& command, const std::string& name) -> const OptionSpec* {
    for (const auto& c : all)
      if (c.name == command)
        for (const auto& o : c.options)
          for (const auto& n : o.names)
            if (n == name) return &o;
    return nullptr;
  };
  ASSERT_TRUE(find("build", "--preseed"));
  EXPECT_EQ(find("build", "--preseed")->kind, ValueKind::Preseed);
  EXPECT_EQ(find("build", "--output")->kind, ValueKind::Iso);
  EXPECT_EQ(find("build", "--cdrom-overlay")->kind, ValueKind::Dir);
  EXPECT_TRUE(find("build", "--cdrom-overlay")->repeatable);
  EXPECT_EQ(find("build", "--memtest")->kind, ValueKind::None);
  EXPECT_EQ(find("build", "--arch")->kind, ValueKind::Choice);
  EXPECT_EQ(find("build", "--arch")->choices, (std::vector<std::string>{"i386", "amd64"}));
  EXPECT_EQ(find("verify", "--machine")->kind, ValueKind::Machine);
  EXPECT_EQ(find("lint", "--release")->kind, ValueKind::Release);
  EXPECT_NE(std::find(find("lint", "--release")->choices.begin(), find("lint", "--release")->choices.end(), "etch"),
            find("lint", "--release")->choices.end());
}

TEST(Completion, ScriptsOfferEveryCommandAndOption) {
  auto all = commands();
  std::string bash = bash_completion(all), zsh = zsh_completion(all);
  EXPECT_TRUE(zsh.starts_with("#compdef imgbuild\n"));
  EXPECT_NE(bash.find("complete -F _imgbuild imgbuild"), std::string::npos);
  for (const auto& command : all) {
    if (!command.name.empty()) {
      EXPECT_NE(bash.find(command.name), std::string::npos) << command.name;
      EXPECT_NE(zsh.find("'" + command.name + ":"), std::string::npos) << command.name;
    }
    for (const auto& option : command.options)
      for (const auto& name : option.names) {
        EXPECT_TRUE(bash.find(" " + name + " ") != std::string::npos || bash.find("'" + name + " ") != std::string::npos ||
                    bash.find(" " + name + "'") != std::string::npos)
            << command.name << " " << name;
        EXPECT_NE(zsh.find(name), std::string::npos) << command.name << " " << name;
      }
  }
}
