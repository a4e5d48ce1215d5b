// SPDX-License-Identifier: GPL-2.0-or-later
#include "delivery/report.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "vm/boots.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;
using json = imgbuild::util::Json;

namespace imgbuild::delivery {

namespace {

std::string relative(const std::string& path, const std::string& dir) {
  if (path.empty()) return {};
  if (dir.empty()) return path;
  std::error_code ec;
  fs::path rel = fs::relative(path, dir, ec);
  return ec || rel.empty() ? path : rel.string();
}

json boot_json(const vm::BootRecord& boot, const std::string& when) {
  json disks = json::array();
  for (const auto& disk : boot.disks) disks.push_back({{"name", disk.name}, {"model", disk.model}});
  return {{"when", when},
          {"kernel", boot.kernel},
          {"command_line", boot.command_line},
          {"disks", disks},
          {"system_disk", boot.system_disk()},
          {"root", boot.first_mount},
          {"secure_boot", boot.secure_boot},
          {"boot_option", boot.boot_option},
          {"login_prompt", boot.login_prompt},
          {"problems", boot.problems}};
}

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  std::string out = util::json_text(value, -1);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

json report_json(const Result& result, const std::string& dir) {
  const vm::VerifyOutcome& outcome = result.outcome;
  json report;
  report["iso"] = result.request.iso;
  report["machine"] = result.machine;
  report["firmware"] = std::string(vm::firmware_name(result.firmware));
  report["accel"] = std::string(vm::accel_name(result.accel.accel));
  report["stage"] = std::string(vm::stage_name(result.target));
  report["passed"] = result.passed;
  report["summary"] = outcome.verdict.summary;
  report["cause"] = std::string(vm::cause_name(outcome.verdict.cause));
  report["details"] = outcome.verdict.details;
  // Proven: the firmware enforced Secure Boot and the installer saw it on.
  json refused = nullptr;
  if (outcome.refusal) refused = {{"stage", outcome.refusal->stage}, {"words", outcome.refusal->words}};
  report["secure_boot"] = {
      {"enforced", result.firmware == vm::Firmware::UefiSecureBoot},
      {"reported", std::string(vm::secure_boot_state_name(outcome.secure_boot))},
      {"proven", result.firmware == vm::Firmware::UefiSecureBoot && outcome.secure_boot == vm::SecureBootState::On &&
                     outcome.verdict.reached >= vm::Stage::Boot},
      {"refused", refused}};
  json timeline = json::array();
  for (std::size_t i = 0; i < result.timeline.size(); ++i) {
    const auto& e = result.timeline[i];
    double next = i + 1 < result.timeline.size() ? result.timeline[i + 1].seconds : e.seconds;
    timeline.push_back({{"seconds", e.seconds}, {"duration", next - e.seconds}, {"event", e.text}});
  }
  report["timeline"] = timeline;
  json shots = json::array();
  auto add_shots = [&](const std::vector<vm::Screenshot>& list, double offset) {
    for (const auto& shot : list)
      shots.push_back({{"seconds", shot.seconds + offset},
                       {"caption", shot.caption},
                       {"file", relative(shot.path, dir)},
                       {"problem", shot.problem}});
  };
  add_shots(outcome.screenshots, 0);
  if (result.power_cycle) add_shots(result.power_cycle->screenshots, outcome.seconds);
  report["screenshots"] = shots;
  report["drac_events"] = outcome.drac_events;
  report["media_detached"] = outcome.media_detached;
  json boots = json::array();
  for (std::size_t i = 0; i < outcome.boots.size(); ++i)
    boots.push_back(boot_json(outcome.boots[i], i == 0 ? "installer" : "installed system, virtual media attached"));
  if (result.power_cycle) {
    boots.push_back(boot_json(result.power_cycle->boot, "after the power cycle, no virtual media"));
    report["power_cycle"] = {{"passed", result.power_cycle->passed},
                             {"summary", result.power_cycle->summary},
                             {"details", result.power_cycle->details}};
  }
  report["boots"] = boots;
  report["expect"] = {{"profile", result.request.expect},
                      {"judged", result.disk.judged},
                      {"ok", result.disk.ok},
                      {"verdicts", result.disk.verdicts},
                      {"problem", result.disk.problem}};
  json logs = json::array();
  if (!result.logs.dir.empty()) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(result.logs.dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_regular_file() && it->path().extension() != ".png") logs.push_back(relative(it->path().string(), dir));
    std::sort(logs.begin(), logs.end());
  }
  report["logs"] = logs;
  return report;
}

std::string report_html(const json& report) {
  const bool passed = report.value("passed", false);
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>imgbuild verify: " +
      escape(text(report["iso"])) +
      "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:72em}"
      ".verdict{font-size:1.4em;padding:.4em;color:#fff;background:" +
      std::string(passed ? "#2a7a2a" : "#a02020") +
      "}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;"
      "vertical-align:top}figure{display:inline-block;margin:.5em}img{width:480px;border:1px solid #888}"
      "pre{background:#f4f4f4;padding:.5em}</style></head><body>\n";
  html += "<h1>imgbuild verify</h1>\n<p class=\"verdict\">" + std::string(passed ? "PASSED" : "FAILED") + ": " +
          escape(text(report["summary"])) + "</p>\n";
  html += "<p>" + escape(text(report["iso"])) + " on <b>" + escape(text(report["machine"])) + "</b> (" +
          escape(text(report["firmware"])) + ", " + escape(text(report["accel"])) + "), stage " +
          escape(text(report["stage"])) + "</p>\n";
  if (report.contains("secure_boot")) {
    const json& sb = report["secure_boot"];
    std::string line = "Secure Boot: " + std::string(sb.value("enforced", false) ? "enforced by the firmware" : "not enforced") +
                       (text(sb["reported"]) == "not reported" ? std::string(", no state from the installer")
                                                               : ", the installer reported " + text(sb["reported"])) +
                       (sb.value("proven", false) ? ": proven on" : "");
    if (sb.contains("refused") && sb["refused"].is_object())
      line += "; refused at the " + text(sb["refused"]["stage"]) + " stage: " + text(sb["refused"]["words"]);
    html += "<p>" + escape(line) + "</p>\n";
  }
  if (!report["details"].empty()) {
    html += "<ul>";
    for (const auto& d : report["details"]) html += "<li>" + escape(text(d)) + "</li>";
    html += "</ul>\n";
  }
  html += "<h2>Timeline</h2>\n<table><tr><th>at</th><th>for</th><th>event</th></tr>\n";
  for (const auto& e : report["timeline"]) {
    char at[32], duration[32];
    std::snprintf(at, sizeof at, "%.0f s", e["seconds"].get<double>());
    std::snprintf(duration, sizeof duration, "%.0f s", e["duration"].get<double>());
    html += "<tr><td>" + std::string(at) + "</td><td>" + duration + "</td><td>" + escape(text(e["event"])) + "</td></tr>\n";
  }
  html += "</table>\n<h2>Screenshots</h2>\n";
  for (const auto& shot : report["screenshots"]) {
    char at[32];
    std::snprintf(at, sizeof at, "%.0f s", shot["seconds"].get<double>());
    const std::string file = text(shot["file"]);
    if (file.empty())
      html += "<p>" + std::string(at) + " " + escape(text(shot["caption"])) + ": no screenshot (" +
              escape(text(shot["problem"])) + ")</p>\n";
    else
      html += "<figure><img src=\"" + escape(file) + "\" alt=\"" + escape(text(shot["caption"])) +
              "\"><figcaption>" + std::string(at) + ": " + escape(text(shot["caption"])) + "</figcaption></figure>\n";
  }
  html += "<h2>Disks seen at each boot</h2>\n<table><tr><th>boot</th><th>disks</th><th>kernel command line</th>"
          "<th>firmware boot option</th><th>kernel: Secure Boot</th></tr>\n";
  int number = 0;
  for (const auto& boot : report["boots"]) {
    std::string disks;
    for (const auto& disk : boot["disks"]) disks += (disks.empty() ? "" : ", ") + text(disk["name"]) + ": " + text(disk["model"]);
    html += "<tr><td>" + std::to_string(++number) + " (" + escape(text(boot["when"])) + ")</td><td>" + escape(disks) +
            "</td><td>" + escape(text(boot["command_line"])) + "</td><td>" + escape(text(boot.value("boot_option", json("")))) +
            "</td><td>" + escape(text(boot.value("secure_boot", json("")))) + "</td></tr>\n";
  }
  html += "</table>\n<h2>The DRAC's event log</h2>\n";
  if (report["drac_events"].empty()) html += "<p>nothing: the guest never called racadm, or the machine has no DRAC</p>\n";
  else {
    html += "<pre>";
    for (const auto& e : report["drac_events"]) html += escape(text(e)) + "\n";
    html += "</pre>\n";
  }
  const json& expect = report["expect"];
  html += "<h2>Installed disk</h2>\n";
  if (expect.value("judged", false))
    html += "<p>judged against " + escape(text(expect["profile"])) + ":</p><pre>" + escape(text(expect["verdicts"])) + "</pre>\n";
  else
    html += "<p>not judged" + (text(expect["problem"]).empty() ? std::string() : " (" + escape(text(expect["problem"])) + ")") +
            "</p>\n";
  html += "<h2>Logs</h2>\n<ul>";
  for (const auto& log : report["logs"]) html += "<li><a href=\"" + escape(text(log)) + "\">" + escape(text(log)) + "</a></li>";
  html += "</ul>\n<p><a href=\"report.json\">report.json</a></p>\n</body></html>\n";
  return html;
}

void write_report(const std::string& dir, const Result& result) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw Error(dir, "cannot create the report directory: " + ec.message(), "choose a writable path");
  // The page is made from the document as written (read back), so both carry the same
  // valid UTF-8: a stray byte in a log name or serial line is \xNN in each.
  std::string document = util::json_text(report_json(result, dir));
  util::write_file_atomically((fs::path(dir) / "report.json").string(), document);
  util::write_file_atomically((fs::path(dir) / "index.html").string(), report_html(json::parse(document)));
}

}  // namespace imgbuild::delivery
