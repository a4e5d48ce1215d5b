// SPDX-License-Identifier: GPL-2.0-or-later
// Menus modelled on the real ones: Etch's debian-cd isolinux.cfg (single arch and the
// i386/amd64 multi-arch disc), Debian 12's isolinux tree and grub.cfg, and the Debian 12
// netboot menus installed on this machine, read from disk.
#include "bootmenu/test_menus.hpp"

// ---- helpers ------------------------------------------------------------------------------

TEST(Paths, JoinAndArch) {
  EXPECT_EQ(iso_path_join("/isolinux", "menu.cfg"), "/isolinux/menu.cfg");
  EXPECT_EQ(iso_path_join("/isolinux", "/install.amd/vmlinuz"), "/install.amd/vmlinuz");
  EXPECT_EQ(iso_path_join("/isolinux", "../install.386//./vmlinuz"), "/install.386/vmlinuz");
  EXPECT_EQ(iso_path_join("/", "../../x"), "/x");
  EXPECT_EQ(detect_arch("/install.386/vmlinuz"), "i386");
  EXPECT_EQ(detect_arch("/install.i386/vmlinuz"), "i386");
  EXPECT_EQ(detect_arch("/INSTALL.AMD/VMLINUZ"), "amd64");
  EXPECT_EQ(detect_arch("/debian-installer/amd64/linux"), "amd64");
  EXPECT_EQ(detect_arch("/install/vmlinuz"), "");
}

TEST(UnattendedArgs, InsertsBeforeSeparator) {
  EXPECT_EQ(unattended_args("vga=normal --", ""), "vga=normal auto=true priority=critical --");
  EXPECT_EQ(unattended_args("vga=788 --- quiet", "console=ttyS0,115200n8"),
            "vga=788 auto=true priority=critical console=ttyS0,115200n8 --- quiet");
  EXPECT_EQ(unattended_args("vga=788", "a=b"), "vga=788 auto=true priority=critical a=b");
  EXPECT_EQ(unattended_args("", ""), "auto=true priority=critical");
  // The base entry's own mode is replaced, not repeated or contradicted.
  EXPECT_EQ(unattended_args("auto=true priority=critical vga=788 --- quiet", ""),
            "vga=788 auto=true priority=critical --- quiet");
  EXPECT_EQ(unattended_args("priority=low vga=788 ---", ""), "vga=788 auto=true priority=critical ---");
  // Only the first separator counts; what follows it goes to the installed system as is.
  EXPECT_EQ(unattended_args("a -- b --- c", "u"), "a auto=true priority=critical u -- b --- c");
}

TEST(CommandLine, LimitFromKernelHeaderAndCheck) {
  // An Etch-era header: boot protocol 2.04, no cmdline_size field.
  std::string old_kernel(0x400, '\0');
  old_kernel.replace(0x202, 4, "HdrS");
  old_kernel[0x206] = 0x04;
  old_kernel[0x207] = 0x02;
  EXPECT_EQ(kernel_command_line_limit(old_kernel), 255u);
  std::string new_kernel = old_kernel;
  new_kernel[0x206] = 0x0f;
  new_kernel[0x238] = static_cast<char>(0xff);
  new_kernel[0x239] = 0x07;
  EXPECT_EQ(kernel_command_line_limit(new_kernel), 2047u);
  EXPECT_EQ(kernel_command_line_limit("MZ not a kernel"), std::nullopt);
  EXPECT_EQ(kernel_command_line_limit(std::string(0x400, 'x')), std::nullopt);

  const char* real = "/usr/lib/debian-installer/images/12/i386/text/debian-installer/i386/linux";
  if (std::filesystem::exists(real)) {
    std::ifstream in(real, std::ios::binary);
    std::string head(0x400, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    EXPECT_EQ(kernel_command_line_limit(head), 2047u);  // Debian 12's kernel
  }

  Unattended u;
  u.kernel = "/install.386/vmlinuz";
  u.initrds = {"/install.386/initrd.gz"};
  u.args = unattended_args("vga=normal --", "console=ttyS0,115200n8");
  EXPECT_EQ(unattended_command_line(Loader::isolinux, u),
            "BOOT_IMAGE=/install.386/vmlinuz initrd=/install.386/initrd.gz vga=normal auto=true "
            "priority=critical console=ttyS0,115200n8 --");
  EXPECT_EQ(unattended_command_line(Loader::grub, u),
            "BOOT_IMAGE=/install.386/vmlinuz vga=normal auto=true priority=critical console=ttyS0,115200n8 --");
  EXPECT_NO_THROW(check_command_line(Loader::isolinux, u, 255));
  u.args = unattended_args("vga=normal --", std::string(200, 'a'));
  try {
    check_command_line(Loader::isolinux, u, 255);
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("--kernel-args: the unattended entry's kernel command line is 304 bytes"));
  }
  EXPECT_NO_THROW(check_command_line(Loader::isolinux, u, 2047));
}

// ---- Etch -------------------------------------------------------------------------------

TEST(EtchIsolinux, FindsInstallers) {
  Files files = {{"/isolinux/isolinux.cfg", k_etch_isolinux}};
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(files));
  ASSERT_EQ(tree.entries.size(), 6u);
  const InstallerEntry& install = tree.entries[0];
  EXPECT_EQ(install.label, "install");
  EXPECT_EQ(install.menu_file, "/isolinux/isolinux.cfg");
  EXPECT_EQ(install.kernel, "/install.386/vmlinuz");
  EXPECT_EQ(install.initrds, std::vector<std::string>{"/install.386/initrd.gz"});
  EXPECT_EQ(install.args, "vga=normal --");
  EXPECT_EQ(install.arch, "i386");
  EXPECT_TRUE(install.is_installer);
  EXPECT_FALSE(install.graphical);
  EXPECT_TRUE(tree.entries[2].graphical);
  EXPECT_EQ(tree.entries[2].initrds, std::vector<std::string>{"/install.386/gtk/initrd.gz"});

  EXPECT_EQ(&choose_base_entry(tree, ""), &tree.entries[0]);
  EXPECT_EQ(&choose_base_entry(tree, "i386"), &tree.entries[0]);
  try {
    choose_base_entry(tree, "amd64");
    FAIL() << "amd64 chosen on an i386 disc";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/isolinux/isolinux.cfg"));
    EXPECT_THAT(e.what(), HasSubstr("--arch amd64 but the disc only has i386"));
  }
}

TEST(EtchIsolinux, UnattendedIsDefaultAfterTimeoutWithPromptKept) {
  Files files = {{"/isolinux/isolinux.cfg", k_etch_isolinux}};
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(files));
  Unattended u = unattended_for(choose_base_entry(tree, "i386"), "console=ttyS0");
  u.timeout_seconds = 3;
  auto changed = make_unattended_isolinux(tree, u);
  ASSERT_EQ(changed.size(), 1u);
  const std::string& text = changed.at("/isolinux/isolinux.cfg");
  // The block comes first, before DEFAULT install.
  EXPECT_EQ(text.rfind("# imgbuild: begin", 0), 0u) << text;
  EXPECT_THAT(text, HasSubstr("label imgbuild\n\tkernel /install.386/vmlinuz\n"
                              "\tappend initrd=/install.386/initrd.gz vga=normal auto=true "
                              "priority=critical console=ttyS0 --\n"));
  EXPECT_THAT(text, HasSubstr("# imgbuild: disabled: DEFAULT install\n"));
  EXPECT_THAT(text, HasSubstr("# imgbuild: disabled: TIMEOUT 0\n"));
  EXPECT_THAT(text, HasSubstr("\nPROMPT 1\n"));
  // No menu UI on this disc: no "menu" lines the Etch isolinux would not know.
  EXPECT_THAT(text, Not(HasSubstr("menu ")));

  Effective e = evaluate(with_changes(files, changed), "/isolinux/isolinux.cfg", "/isolinux");
  EXPECT_EQ(e.default_label, "imgbuild");
  EXPECT_EQ(e.timeout, 30);
  EXPECT_EQ(e.ontimeout, "");
  // Every original label is still there, after the new one.
  EXPECT_EQ(e.labels, (std::vector<std::string>{"imgbuild", "install", "linux", "installgui", "expert",
                                                "rescue", "auto"}));
}

TEST(EtchIsolinux, MultiArchDiscForcedToI386) {
  Files files = {{"/isolinux/isolinux.cfg", k_etch_multiarch}};
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(files));
  ASSERT_EQ(tree.entries.size(), 5u);
  EXPECT_FALSE(tree.entries[4].is_installer);  // memtest
  const InstallerEntry& base = choose_base_entry(tree, "i386");
  EXPECT_EQ(base.label, "install");
  EXPECT_EQ(choose_base_entry(tree, "amd64").label, "amd64-install");
  // Without --arch the first plain installer in menu order.
  EXPECT_EQ(choose_base_entry(tree, "").label, "amd64-install");

  auto changed = make_unattended_isolinux(tree, unattended_for(base));
  const std::string& text = changed.at("/isolinux/isolinux.cfg");
  // DEFAULT64 would make a 64-bit CPU boot amd64 regardless of the profile.
  EXPECT_THAT(text, HasSubstr("# imgbuild: disabled: DEFAULT64 amd64-install\n"));
  EXPECT_THAT(text, HasSubstr("\tkernel /install.386/vmlinuz\n"));
  for (const std::string& line : {std::string("\nDEFAULT64"), std::string("\nDEFAULT ")}) {
    EXPECT_THAT(text, Not(HasSubstr(line)));
  }
  try {
    choose_base_entry(tree, "powerpc");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("--arch powerpc but the disc only has amd64, i386"));
  }
}

// ---- Debian 12 isolinux ---------------------------------------------------------------------

TEST(Debian12Isolinux, FollowsIncludesAndPrefersText) {
  Files files = debian12_isolinux();
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(files));
  // prompt.cfg is reached only through "config" (the Help entry): not part of this menu.
  EXPECT_EQ(tree.files.count("/isolinux/prompt.cfg"), 0u);
  EXPECT_EQ(tree.files.count("/isolinux/adgtk.cfg"), 1u);
  EXPECT_EQ(tree.files.count("/isolinux/rqgtk.cfg"), 1u);
  std::vector<std::string> labels;
  for (const auto& e : tree.entries) labels.push_back(e.label);
  EXPECT_EQ(labels, (std::vector<std::string>{"installgui", "install", "mainmenu", "expertgui",
                                              "rescuegui", "autogui", "expert", "rescue", "auto", "hdt",
                                              "help", "installspk", "installspk-text"}));
  const InstallerEntry& base = choose_base_entry(tree, "amd64");
  EXPECT_EQ(base.label, "install");
  EXPECT_EQ(base.menu_file, "/isolinux/txt.cfg");
  EXPECT_EQ(base.args, "vga=788 --- quiet");
  EXPECT_FALSE(tree.entries[9].is_installer);   // hdt.c32
  EXPECT_FALSE(tree.entries[10].is_installer);  // help: config prompt.cfg
  EXPECT_FALSE(tree.entries[2].is_installer);   // menu exit
}

TEST(Debian12Isolinux, MenuStaysWithUnattendedDefaultAndNoSpeechTimeout) {
  Files files = debian12_isolinux();
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(files));
  Unattended u = unattended_for(choose_base_entry(tree, "amd64"));
  u.extras.push_back({"Memory test (memtest86+)", "/boot/memtest86+x64.bin", "", "", {}, ""});
  auto changed = make_unattended_isolinux(tree, u);
  // Only the files with something to change.
  std::vector<std::string> paths;
  for (const auto& [path, text] : changed) paths.push_back(path);
  EXPECT_EQ(paths, (std::vector<std::string>{"/isolinux/gtk.cfg", "/isolinux/isolinux.cfg",
                                             "/isolinux/spkgtk.cfg"}));
  const std::string& root = changed.at("/isolinux/isolinux.cfg");
  EXPECT_THAT(root, HasSubstr("ui vesamenu.c32\n"));
  EXPECT_THAT(root, HasSubstr("\tmenu label imgbuild: unattended install\n\tmenu default\n"));
  EXPECT_THAT(root, HasSubstr("label imgbuild-extra-1\n\tmenu label Memory test (memtest86+)\n"
                              "\tkernel /boot/memtest86+x64.bin\n"));
  EXPECT_THAT(changed.at("/isolinux/spkgtk.cfg"), HasSubstr("# imgbuild: disabled: ontimeout "));
  EXPECT_THAT(changed.at("/isolinux/gtk.cfg"), HasSubstr("\t# imgbuild: disabled: menu default\n"));

  Files after = with_changes(files, changed);
  Effective e = evaluate(after, "/isolinux/isolinux.cfg", "/isolinux");
  EXPECT_EQ(e.default_label, "imgbuild");
  EXPECT_EQ(e.ui, "vesamenu.c32");
  EXPECT_EQ(e.timeout, 50);
  EXPECT_EQ(e.ontimeout, "");
  EXPECT_EQ(e.menu_default_labels, std::vector<std::string>{"imgbuild"});
  EXPECT_EQ(e.labels.front(), "imgbuild");
  EXPECT_EQ(e.labels.size(), 2 + tree.entries.size());  // imgbuild, one extra, every original

  // The rewritten disc still loads, and shows the same installers (the imgbuild entries
  // are imgbuild's own and not offered as a base).
  MenuTree again = load_isolinux("/isolinux/isolinux.cfg", reader(after));
  EXPECT_EQ(again.entries.size(), tree.entries.size());
  EXPECT_EQ(choose_base_entry(again, "amd64").label, "install");
}

TEST(Debian12Isolinux, RewriteIsIdempotent) {
  Files files = debian12_isolinux();
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(files));
  Unattended u = unattended_for(choose_base_entry(tree, "amd64"), "a=1");
  Files once = with_changes(files, make_unattended_isolinux(tree, u));

  MenuTree tree2 = load_isolinux("/isolinux/isolinux.cfg", reader(once));
  Unattended u2 = unattended_for(choose_base_entry(tree2, "amd64"), "a=1");
  EXPECT_EQ(u2.args, u.args);
  Files twice = with_changes(once, make_unattended_isolinux(tree2, u2));
  EXPECT_EQ(twice, once);

  // A different timeout replaces the block rather than adding one.
  u2.timeout_seconds = 0;
  Files third = with_changes(once, make_unattended_isolinux(tree2, u2));
  const std::string& root = third.at("/isolinux/isolinux.cfg");
  EXPECT_EQ(root.find("label imgbuild\n"), root.rfind("label imgbuild\n"));
  // Zero seconds is the shortest wait, not isolinux's "wait forever".
  EXPECT_THAT(root, HasSubstr("timeout 1\n"));
  EXPECT_EQ(evaluate(third, "/isolinux/isolinux.cfg", "/isolinux").ui, "vesamenu.c32");
}

TEST(Debian12Isolinux, CrlfFilesKeepTheirLineEnds) {
  Files files = {{"/isolinux/isolinux.cfg",
                  "DEFAULT install\r\nLABEL install\r\n kernel /install.amd/vmlinuz\r\n"
                  " append initrd=/install.amd/initrd.gz --\r\nTIMEOUT 0\r\n"}};
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(files));
  ASSERT_EQ(tree.entries.size(), 1u);
  EXPECT_EQ(tree.entries[0].args, "--");
  auto changed = make_unattended_isolinux(tree, unattended_for(tree.entries[0]));
  const std::string& text = changed.at("/isolinux/isolinux.cfg");
  EXPECT_THAT(text, HasSubstr("label imgbuild\r\n"));
  EXPECT_THAT(text, Not(HasSubstr("[^\r]\n")));
  std::size_t lf = std::count(text.begin(), text.end(), '\n');
  std::size_t crlf = 0;
  for (std::size_t i = 1; i < text.size(); ++i) crlf += text[i] == '\n' && text[i - 1] == '\r';
  EXPECT_EQ(lf, crlf);
}

TEST(Isolinux, RelativePathsPathDirectiveAndCaseInsensitiveKeywords) {
  Files files = {
      {"/boot/isolinux/isolinux.cfg", "PATH /boot/isolinux/modules\nINCLUDE sub/menu.cfg\nMENU INCLUDE extra.cfg\n"},
      {"/boot/isolinux/sub/menu.cfg", "Label one\n  KERNEL ../../install/vmlinuz\n  APPEND initrd=../../install/initrd.gz,../../install/fw.cpio.gz quiet\n"},
      {"/boot/isolinux/modules/extra.cfg", "label two\n linux /install.amd/vmlinuz\n initrd /install.amd/initrd.gz\n append --- quiet\n"},
  };
  MenuTree tree = load_isolinux("/boot/isolinux/isolinux.cfg", reader(files));
  ASSERT_EQ(tree.entries.size(), 2u);
  EXPECT_EQ(tree.entries[0].kernel, "/install/vmlinuz");
  EXPECT_EQ(tree.entries[0].initrds, (std::vector<std::string>{"/install/initrd.gz", "/install/fw.cpio.gz"}));
  EXPECT_EQ(tree.entries[0].args, "quiet");
  EXPECT_EQ(tree.entries[0].arch, "");
  EXPECT_TRUE(tree.entries[0].is_installer);
  EXPECT_EQ(tree.entries[1].menu_file, "/boot/isolinux/modules/extra.cfg");
  EXPECT_EQ(tree.entries[1].initrds, std::vector<std::string>{"/install.amd/initrd.gz"});
  EXPECT_EQ(tree.entries[1].arch, "amd64");
}

// Between "text" and "endtext" are words shown with a label's help, not directives: an
// entry, include or default there is neither loaded nor disabled.
TEST(Isolinux, TextBlocksAreWordsNotDirectives) {
  Files files = {{"/isolinux/isolinux.cfg",
                  "default install\ntimeout 50\n"
                  "label install\n  kernel /install.amd/vmlinuz\n  append initrd=/install.amd/initrd.gz --- quiet\n"
                  "  text help\n  default expert\n  include missing.cfg\n  label fake\n  kernel /fake/vmlinuz\n"
                  "  endtext\n"
                  "label expert\n  kernel /install.amd/vmlinuz\n  append initrd=/install.amd/initrd.gz priority=low ---\n"}};
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(files));
  ASSERT_EQ(tree.entries.size(), 2u);
  EXPECT_EQ(tree.entries[0].label, "install");
  EXPECT_EQ(tree.entries[1].label, "expert");
  auto changed = make_unattended_isolinux(tree, unattended_for(tree.entries[0]));
  const std::string& root = changed.at("/isolinux/isolinux.cfg");
  EXPECT_THAT(root, HasSubstr("# imgbuild: disabled: default install\n"));
  EXPECT_THAT(root, HasSubstr("  text help\n  default expert\n  include missing.cfg\n"));
}

TEST(Isolinux, RejectsBadFiles) {
  Files loop = {{"/isolinux/isolinux.cfg", "include a.cfg\n"},
                {"/isolinux/a.cfg", "include b.cfg\n"},
                {"/isolinux/b.cfg", "include a.cfg\n"}};
  try {
    load_isolinux("/isolinux/isolinux.cfg", reader(loop));
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/isolinux/a.cfg: boot menu include loop: /isolinux/isolinux.cfg -> "
                                    "/isolinux/a.cfg -> /isolinux/b.cfg -> /isolinux/a.cfg"));
  }
  Files binary = {{"/isolinux/isolinux.cfg", "include txt.cfg\n"},
                  {"/isolinux/txt.cfg", std::string("label x\n\0\0\0kernel y\n", 20)}};
  try {
    load_isolinux("/isolinux/isolinux.cfg", reader(binary));
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/isolinux/txt.cfg: boot menu file contains binary data"));
  }
  Files huge = {{"/isolinux/isolinux.cfg", "# " + std::string(k_max_menu_file, 'x') + "\n"}};
  try {
    load_isolinux("/isolinux/isolinux.cfg", reader(huge));
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/isolinux/isolinux.cfg: boot menu file is over 1 MB"));
  }
  Files none;
  EXPECT_THROW(load_isolinux("/isolinux/isolinux.cfg", reader(none)), Error);
  Files no_installer = {{"/isolinux/isolinux.cfg", "label hd\n localboot 0\nlabel m\n kernel memtest\n"}};
  MenuTree tree = load_isolinux("/isolinux/isolinux.cfg", reader(no_installer));
  EXPECT_EQ(tree.entries.size(), 2u);
  try {
    choose_base_entry(tree, "");
    FAIL();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("no debian-installer kernel"));
  }
  // A missing include is skipped, as isolinux does.
  Files missing = {{"/isolinux/isolinux.cfg", "include nothere.cfg\nlabel a\n kernel /install.amd/vmlinuz\n append initrd=/install.amd/initrd.gz\n"}};
  EXPECT_EQ(load_isolinux("/isolinux/isolinux.cfg", reader(missing)).entries.size(), 1u);
  // Including the same file twice is no loop (Debian's menu.cfg includes stdmenu.cfg twice).
  Files twice = {{"/isolinux/isolinux.cfg", "include s.cfg\ninclude s.cfg\n"}, {"/isolinux/s.cfg", "menu rows 12\n"}};
  EXPECT_NO_THROW(load_isolinux("/isolinux/isolinux.cfg", reader(twice)));
}

// The Debian 12 netboot menus as installed by debian-installer-12-netboot-amd64: the real
// boot-screens files, read from disk.
TEST(Debian12Netboot, RealMenusFromDisk) {
  const std::filesystem::path base = "/usr/lib/debian-installer/images/12/amd64/text";
  if (!std::filesystem::exists(base / "pxelinux.cfg/default")) GTEST_SKIP() << "netboot images not installed";
  FileReader read_disk = [&](const std::string& path) -> std::optional<std::string> {
    std::filesystem::path p = base / path.substr(1);
    if (!std::filesystem::is_regular_file(p)) return std::nullopt;
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  MenuTree tree = load_isolinux("/pxelinux.cfg/default", read_disk);
  EXPECT_GE(tree.files.size(), 8u);
  const InstallerEntry& base_entry = choose_base_entry(tree, "amd64");
  EXPECT_EQ(base_entry.label, "install");
  EXPECT_EQ(base_entry.kernel, "/debian-installer/amd64/linux");
  EXPECT_EQ(base_entry.initrds, std::vector<std::string>{"/debian-installer/amd64/initrd.gz"});
  EXPECT_THROW(choose_base_entry(tree, "i386"), Error);

  auto changed = make_unattended_isolinux(tree, unattended_for(base_entry));
  Files after = tree.files;
  for (const auto& [path, text] : changed) after[path] = text;
  Effective e = evaluate(after, "/pxelinux.cfg/default", "/");
  EXPECT_EQ(e.default_label, "imgbuild");
  EXPECT_EQ(e.ui, "debian-installer/amd64/boot-screens/vesamenu.c32");
  EXPECT_EQ(e.timeout, 50);
  EXPECT_EQ(e.ontimeout, "");  // spk.cfg's speech-synthesis timeout is disabled
  EXPECT_EQ(e.menu_default_labels, std::vector<std::string>{"imgbuild"});  // drk.cfg's too
}

