// SPDX-License-Identifier: GPL-2.0-or-later
// GRUB menus (Debian 12's grub.cfg, submenus, sourced files) and the extra entries both
// loaders get; the isolinux side is bootmenu_test.cpp, the shared menus test_menus.hpp.
#include "bootmenu/test_menus.hpp"

// ---- GRUB ------------------------------------------------------------------------------------

TEST(Debian12Grub, FindsEntriesThroughSubmenusAndSource) {
  Files files = debian12_grub();
  MenuTree tree = load_grub("/boot/grub/grub.cfg", reader(files));
  EXPECT_EQ(tree.files.size(), 2u);
  std::vector<std::string> labels;
  for (const auto& e : tree.entries) labels.push_back(e.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"Graphical install", "Install", "... Graphical expert install",
                                              "... Rescue mode", "Install with speech synthesis"}));
  const InstallerEntry& base = choose_base_entry(tree, "amd64");
  EXPECT_EQ(base.label, "Install");
  EXPECT_EQ(base.kernel, "/install.amd/vmlinuz");
  EXPECT_EQ(base.initrds, std::vector<std::string>{"/install.amd/initrd.gz"});
  EXPECT_EQ(base.args, "vga=788 --- quiet");
  EXPECT_EQ(base.loader, Loader::grub);
  EXPECT_TRUE(tree.entries[0].graphical);
}

// An unsigned EFI program (memtest86+'s) under Secure Boot: GRUB started by shim sets
// shim_lock=y and would refuse it; the entry says why instead of failing blankly.
TEST(Debian12Grub, UnsignedExtraSaysSoUnderSecureBoot) {
  Files files = debian12_grub();
  MenuTree tree = load_grub("/boot/grub/grub.cfg", reader(files));
  Unattended u = unattended_for(choose_base_entry(tree, "amd64"), "console=ttyS0");
  ExtraEntry memtest{"Memory test", "/imgbuild/memtest86+", "", "memtest",
                               {{"x86_64", "/imgbuild/memtest86+x64.efi"}}, "m"};
  memtest.efi_unsigned = true;
  u.extras.push_back(memtest);
  const std::string root = make_unattended_grub(tree, u).at("/boot/grub/grub.cfg");
  EXPECT_THAT(root, HasSubstr("        menuentry --hotkey=m 'Memory test' {\n"
                              "            if [ x$shim_lock = xy ]; then\n"
                              "                echo 'Memory test is not signed for Secure Boot: GRUB may not start it.'\n"
                              "                echo 'Turn Secure Boot off in the firmware setup to run it.'\n"
                              "                sleep 10\n"
                              "            else\n"
                              "                insmod chain\n"
                              "                chainloader /imgbuild/memtest86+x64.efi\n"
                              "            fi\n"
                              "        }\n"));
}

TEST(Debian12Grub, UnattendedFirstWithTimeoutAndOthersNeutralised) {
  Files files = debian12_grub();
  MenuTree tree = load_grub("/boot/grub/grub.cfg", reader(files));
  Unattended u = unattended_for(choose_base_entry(tree, "amd64"), "console=ttyS0");
  u.timeout_seconds = 7;
  u.extras.push_back({"memtest86+", "/imgbuild/memtest86+", "console=ttyS0,115200", "memtest",
                      {{"x86_64", "/imgbuild/memtest86+x64.efi"}, {"i386", "/imgbuild/memtest86+ia32.efi"}}, "m"});
  // An extra with no EFI program (a BIOS image only) has no place in GRUB's menu.
  u.extras.push_back({"BIOS only", "/imgbuild/bios-only", "", "bios", {}, ""});
  auto changed = make_unattended_grub(tree, u);
  ASSERT_EQ(changed.size(), 2u);
  const std::string& root = changed.at("/boot/grub/grub.cfg");
  EXPECT_EQ(root.rfind("source /boot/grub/config.cfg\n", 0), 0u);
  std::size_t block = root.find("# imgbuild: begin");
  std::size_t first_entry = root.find("menuentry --hotkey=g 'Graphical install'");
  ASSERT_NE(block, std::string::npos);
  EXPECT_LT(block, first_entry);
  EXPECT_THAT(root, HasSubstr("set default=0\nset timeout=7\n"
                              "menuentry 'imgbuild: unattended install' {\n"
                              "    if serial --unit=0 --speed=115200; then terminal_output --append serial; fi\n"
                              "    linux /install.amd/vmlinuz vga=788 auto=true priority=critical "
                              "console=ttyS0 --- quiet\n"
                              "    initrd /install.amd/initrd.gz\n}\n"
                              "if [ \"${grub_platform}\" = efi ]; then\n"
                              "    if [ \"${grub_cpu}\" = i386 ]; then\n"
                              "        menuentry --hotkey=m 'memtest86+' {\n"
                              "            insmod chain\n"
                              "            chainloader /imgbuild/memtest86+ia32.efi console=ttyS0,115200\n"
                              "        }\n"
                              "    fi\n"
                              "    if [ \"${grub_cpu}\" = x86_64 ]; then\n"
                              "        menuentry --hotkey=m 'memtest86+' {\n"
                              "            insmod chain\n"
                              "            chainloader /imgbuild/memtest86+x64.efi console=ttyS0,115200\n"
                              "        }\n"
                              "    fi\n"
                              "fi\n"
                              "# imgbuild: end\n"));
  EXPECT_THAT(root, Not(HasSubstr("bios-only")));
  EXPECT_THAT(changed.at("/boot/grub/config.cfg"), HasSubstr("# imgbuild: disabled: set timeout=30\n"));

  // Reloaded: the original entries are all there (imgbuild's own block is not offered as
  // a base), and a second run changes nothing.
  Files after = with_changes(files, changed);
  MenuTree again = load_grub("/boot/grub/grub.cfg", reader(after));
  ASSERT_EQ(again.entries.size(), tree.entries.size());
  Unattended u2 = unattended_for(choose_base_entry(again, "amd64"), "console=ttyS0");
  EXPECT_EQ(choose_base_entry(again, "amd64").label, "Install");
  u2.timeout_seconds = 7;
  u2.extras = u.extras;
  EXPECT_EQ(with_changes(after, make_unattended_grub(again, u2)), after);
}

TEST(Grub, InsertsWhereEntriesStartEvenInSourcedFiles) {
  // All entries come from a sourced file: the block goes before that source line, so
  // "set default=0" still picks it.
  Files files = {
      {"/boot/grub/grub.cfg", "set timeout=10\nset default=\"2\"\nsource /boot/grub/entries.cfg\n"},
      {"/boot/grub/entries.cfg", "menuentry \"Install\" --class debian {\n  linux (cd0)/install.386/vmlinuz --- quiet\n  initrd (cd0)/install.386/initrd.gz\n}\n"},
  };
  MenuTree tree = load_grub("/boot/grub/grub.cfg", reader(files));
  ASSERT_EQ(tree.entries.size(), 1u);
  EXPECT_EQ(tree.entries[0].kernel, "/install.386/vmlinuz");
  EXPECT_EQ(tree.entries[0].arch, "i386");
  auto changed = make_unattended_grub(tree, unattended_for(tree.entries[0]));
  ASSERT_EQ(changed.size(), 1u);
  const std::string& root = changed.at("/boot/grub/grub.cfg");
  EXPECT_EQ(root.rfind("# imgbuild: disabled: set timeout=10\n# imgbuild: disabled: set default=\"2\"\n# imgbuild: begin", 0), 0u) << root;
  EXPECT_LT(root.find("# imgbuild: end"), root.find("source /boot/grub/entries.cfg"));

  // configfile replaces the menu: the block must go into the file it loads.
  Files cfg = {
      {"/boot/grub/grub.cfg", "insmod part_gpt\nconfigfile /boot/grub/real.cfg\n"},
      {"/boot/grub/real.cfg", "menuentry 'Install' {\n linux /install.amd/vmlinuz ---\n initrd /install.amd/initrd.gz\n}\n"},
  };
  MenuTree tree2 = load_grub("/boot/grub/grub.cfg", reader(cfg));
  auto changed2 = make_unattended_grub(tree2, unattended_for(tree2.entries[0]));
  ASSERT_EQ(changed2.size(), 1u);
  EXPECT_EQ(changed2.begin()->first, "/boot/grub/real.cfg");
  EXPECT_EQ(changed2.begin()->second.rfind("# imgbuild: begin", 0), 0u);
}

TEST(Grub, TitlesAreQuotedAndBadFilesRejected) {
  Files files = {{"/boot/grub/grub.cfg", "menuentry 'It'\\''s \"x\"' {\n linux /install.amd/vmlinuz\n initrd /install.amd/initrd.gz\n}\n"}};
  MenuTree tree = load_grub("/boot/grub/grub.cfg", reader(files));
  ASSERT_EQ(tree.entries.size(), 1u);
  EXPECT_EQ(tree.entries[0].label, "It's \"x\"");
  Unattended u = unattended_for(tree.entries[0]);
  u.title = "imgbuild: Bob's install";
  auto changed = make_unattended_grub(tree, u);
  EXPECT_THAT(changed.begin()->second, HasSubstr("menuentry 'imgbuild: Bob'\\''s install' {"));
  // GRUB reads the title back as written (the loader skips imgbuild blocks, so drop the
  // markers to parse it as an ordinary entry).
  std::string unmarked;
  std::istringstream lines(changed.begin()->second);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# imgbuild: ", 0) != 0) unmarked += line + "\n";
  }
  Files plain = {{"/boot/grub/grub.cfg", unmarked}};
  MenuTree again = load_grub("/boot/grub/grub.cfg", reader(plain));
  EXPECT_EQ(again.entries[0].label, "imgbuild: Bob's install");

  Files loop = {{"/boot/grub/grub.cfg", "source /boot/grub/grub.cfg\n"}};
  EXPECT_THROW(load_grub("/boot/grub/grub.cfg", reader(loop)), Error);
  Files binary = {{"/boot/grub/grub.cfg", std::string("menuentry\0", 10)}};
  EXPECT_THROW(load_grub("/boot/grub/grub.cfg", reader(binary)), Error);
  Files huge = {{"/boot/grub/grub.cfg", std::string(k_max_menu_file + 1, '#')}};
  try {
    load_grub("/boot/grub/grub.cfg", reader(huge));
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/boot/grub/grub.cfg: boot menu file is over 1 MB"));
  }
  // User text cannot add menu lines of its own, and GRUB does not expand it.
  Unattended evil = unattended_for(tree.entries[0], "a=1\nmenuentry x {");
  EXPECT_THROW(make_unattended_grub(tree, evil), Error);
  Files isolinux = {{"/isolinux/isolinux.cfg", "label a\n kernel /install.amd/vmlinuz\n append initrd=/install.amd/initrd.gz\n"}};
  MenuTree itree = load_isolinux("/isolinux/isolinux.cfg", reader(isolinux));
  EXPECT_THROW(make_unattended_isolinux(itree, evil), Error);
  Unattended dollar = unattended_for(tree.entries[0], "preseed/url=http://h/$x.cfg it's");
  std::string text = make_unattended_grub(tree, dollar).begin()->second;
  EXPECT_THAT(text, HasSubstr(" 'preseed/url=http://h/$x.cfg' 'it'\\''s'\n"));

  // Stray marker-like comments (found by the fuzzer): a begin without an end must not pair
  // with the block imgbuild adds, or a second run would hide the entries between them.
  Files stray = {{"/boot/grub/grub.cfg",
                  "# imgbuild: begin\n# imgbuild: beginning of notes\nfunction entries {\n"
                  "menuentry 'a' {\n linux /install.amd/vmlinuz\n initrd /install.amd/initrd.gz\n}\n}\nentries\n"}};
  MenuTree stray_tree = load_grub("/boot/grub/grub.cfg", reader(stray));
  ASSERT_EQ(stray_tree.entries.size(), 1u);
  Unattended su = unattended_for(stray_tree.entries[0]);
  Files stray_once = with_changes(stray, make_unattended_grub(stray_tree, su));
  MenuTree stray_again = load_grub("/boot/grub/grub.cfg", reader(stray_once));
  ASSERT_EQ(stray_again.entries.size(), 1u);
  EXPECT_EQ(with_changes(stray_once, make_unattended_grub(stray_again, su)), stray_once);

  // A brace on the line after the title.
  Files brace = {{"/boot/grub/grub.cfg", "menuentry \"Install\"\n{\n  linux /install.amd/vmlinuz ---\n  initrd /install.amd/initrd.gz\n}\n"}};
  MenuTree braced = load_grub("/boot/grub/grub.cfg", reader(brace));
  ASSERT_EQ(braced.entries.size(), 1u);
  EXPECT_TRUE(braced.entries[0].is_installer);

  // Dynamic paths are not followed (they depend on the firmware's boot device).
  Files dynamic = {{"/boot/grub/grub.cfg", "source $prefix/x86_64-efi/grub.cfg\n"}};
  EXPECT_EQ(load_grub("/boot/grub/grub.cfg", reader(dynamic)).files.size(), 1u);
}

TEST(ExtraEntries, IsolinuxLabelIsWhatTheUserTypes) {
  std::map<std::string, std::string> files = {
      {"/isolinux/isolinux.cfg", "DEFAULT install\nPROMPT 1\nTIMEOUT 0\nLABEL install\n\tkernel /install.386/vmlinuz\n"
                                 "\tappend vga=normal initrd=/install.386/initrd.gz --\n"}};
  auto read = [&](const std::string& p) -> std::optional<std::string> {
    auto it = files.find(p);
    if (it == files.end()) return std::nullopt;
    return it->second;
  };
  auto tree = imgbuild::bootmenu::load_isolinux("/isolinux/isolinux.cfg", read);
  imgbuild::bootmenu::Unattended u;
  u.kernel = "/install.386/vmlinuz";
  u.initrds = {"/install.386/initrd.gz"};
  u.args = "auto=true priority=critical --";
  u.extras = {{"Memory test", "/imgbuild/memtest86+", "", "memtest", {}, ""}};
  auto changed = imgbuild::bootmenu::make_unattended_isolinux(tree, u);
  const std::string& text = changed.at("/isolinux/isolinux.cfg");
  EXPECT_NE(text.find("label memtest\n\tkernel /imgbuild/memtest86+\n"), std::string::npos) << text;
  u.extras[0].label = "two words";
  EXPECT_THROW(imgbuild::bootmenu::make_unattended_isolinux(tree, u), imgbuild::Error);
}
