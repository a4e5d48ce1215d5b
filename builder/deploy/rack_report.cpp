// SPDX-License-Identifier: GPL-2.0-or-later
#include "deploy/rack_report.hpp"

#include "util/error.hpp"
#include "util/fs.hpp"
#include "util/markup.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace fs = std::filesystem;
using json = imgbuild::util::Json;

namespace imgbuild::deploy {

namespace {

std::string escape(std::string_view text) { return util::xml_escape(text); }

std::string text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return {};
  std::string out = util::json_text(value, -1);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string seconds_text(double seconds) {
  char out[32];
  std::snprintf(out, sizeof out, seconds < 10 ? "%.1f s" : "%.0f s", seconds);
  return out;
}

json host_json(const HostResult& host) {
  const HostOutcome& outcome = host.outcome;
  json steps = json::array();
  for (const auto& step : outcome.steps)
    steps.push_back({{"name", step.name},
                     {"seconds", static_cast<double>(step.elapsed.count()) / 1000.0},
                     {"ok", step.ok},
                     {"detail", step.detail}});
  json deployed = nullptr;
  if (host.deployed)
    deployed = {{"until", host.deployed->until},
                {"finished", host.deployed->finished},
                {"bmc", host.deployed->bmc},
                {"image_url", host.deployed->image_url}};
  json out = {{"host", host.host},
              {"line", host.line},
              {"bmc", host.bmc},
              {"user", host.user},
              {"image", host.image},
              {"image_url", host.image_url},
              {"trust", host.trust},
              {"status", status_name(outcome.status)},
              {"diagnosis", outcome.diagnosis},
              {"bmc_answer", outcome.bmc_answer},
              {"exit_code", outcome.exit_code},
              {"started", host.started},
              {"finished", host.finished},
              {"seconds", host.seconds},
              {"steps", steps},
              {"notes", outcome.notes},
              {"system", outcome.system},
              {"slot", outcome.slot},
              {"boot_target", outcome.boot_target},
              {"media_left_inserted", outcome.media_inserted && outcome.status != HostOutcome::Status::done},
              {"deployed", deployed}};
  if (!host.dry_run.empty()) out["dry_run"] = host.dry_run;
  return out;
}

// The step names in the order the hosts ran them, each once: the page's columns.
std::vector<std::string> step_columns(const json& hosts) {
  std::vector<std::string> names;
  for (const auto& host : hosts)
    for (const auto& step : host["steps"]) {
      std::string name = text(step["name"]);
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  return names;
}

const char* status_colour(const std::string& status) {
  if (status == "done") return "#d8f0d8";
  if (status == "skipped") return "#e8e8e8";
  return "#f6d0d0";
}

std::string host_row(const json& host, const std::vector<std::string>& columns) {
  const std::string status = text(host["status"]);
  std::string row = "<tr style=\"background:" + std::string(status_colour(status)) + "\"><td>" +
                    escape(text(host["host"])) + "</td><td>" + escape(status) + "</td>";
  for (const auto& name : columns) {
    std::string cell;
    for (const auto& step : host["steps"])
      if (text(step["name"]) == name)
        cell = seconds_text(step["seconds"].get<double>()) + (step.value("ok", false) ? "" : " FAILED");
    row += "<td" + std::string(cell.find("FAILED") != std::string::npos ? " class=\"failed\"" : "") + ">" +
           escape(cell) + "</td>";
  }
  row += "<td>" + seconds_text(host.value("seconds", 0.0)) + "</td><td>" + escape(text(host["bmc"])) + "</td><td class=\"trust\">" +
         escape(text(host["trust"])) + "</td></tr>\n";
  return row;
}

std::string failure_section(const json& host) {
  std::string html = "<h3 id=\"host-" + escape(text(host["host"])) + "\">" + escape(text(host["host"])) + " (" +
                     escape(text(host["status"])) + ", inventory line " + text(host["line"]) + ")</h3>\n<p>" +
                     escape(text(host["diagnosis"])) + "</p>\n";
  if (!text(host["bmc_answer"]).empty())
    html += "<p>The BMC answered:</p>\n<pre>" + escape(text(host["bmc_answer"])) + "</pre>\n";
  if (host.value("media_left_inserted", false))
    html += "<p class=\"failed\">The image may still be inserted in " + escape(text(host["slot"])) +
            ": eject it from the BMC before the server reboots.</p>\n";
  html += "<table><tr><th>step</th><th>time</th><th>result</th></tr>\n";
  for (const auto& step : host["steps"])
    html += "<tr><td>" + escape(text(step["name"])) + "</td><td>" + seconds_text(step["seconds"].get<double>()) +
            "</td><td>" + std::string(step.value("ok", false) ? "" : "FAILED: ") + escape(text(step["detail"])) +
            "</td></tr>\n";
  html += "</table>\n";
  if (!host["notes"].empty()) {
    html += "<ul>";
    for (const auto& note : host["notes"]) html += "<li>" + escape(text(note)) + "</li>";
    html += "</ul>\n";
  }
  return html;
}

}  // namespace

json rack_json(const RackResult& result) {
  json hosts = json::array();
  json counts = json::object();
  for (const char* status : {"done", "skipped", "failed", "interrupted"}) counts[status] = 0;
  for (const auto& host : result.hosts) {
    hosts.push_back(host_json(host));
    counts[status_name(host.outcome.status)] = counts[status_name(host.outcome.status)].get<int>() + 1;
  }
  return {{"kind", "imgbuild deploy --hosts"},
          {"inventory", result.inventory},
          {"until", result.until},
          {"started", result.started},
          {"seconds", result.seconds},
          {"dry_run", result.dry_run},
          {"interrupted", result.interrupted},
          {"exit_status", exit_status(result)},
          {"summary", summary_lines(result)},
          {"counts", counts},
          {"hosts", hosts}};
}

std::string rack_html(const json& report) {
  const int status = report.value("exit_status", 1);
  const json& hosts = report["hosts"];
  const std::string verdict = status == 0 ? "DONE" : status == 130 ? "INTERRUPTED" : "FAILED";
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>imgbuild deploy: " +
      escape(text(report["inventory"])) +
      "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:80em}"
      ".verdict{font-size:1.4em;padding:.4em;color:#fff;background:" +
      std::string(status == 0 ? "#2a7a2a" : "#a02020") +
      "}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;"
      "vertical-align:top}.failed{color:#a02020;font-weight:bold}.trust{max-width:24em;overflow-wrap:anywhere}pre{background:#f4f4f4;padding:.5em;"
      "white-space:pre-wrap}</style></head><body>\n";
  const json& summary = report["summary"];
  html += "<h1>imgbuild deploy --hosts</h1>\n<p class=\"verdict\">" + verdict + ": " +
          escape(summary.empty() ? std::string() : text(summary.back())) + "</p>\n";
  html += "<p>" + escape(text(report["inventory"])) + ", until " + escape(text(report["until"])) + ", started " +
          escape(text(report["started"])) + ", " + seconds_text(report.value("seconds", 0.0)) +
          (report.value("dry_run", false) ? " (dry run: nothing was changed)" : "") + "</p>\n";
  const auto columns = step_columns(hosts);
  html += "<h2>Hosts</h2>\n<table><tr><th>host</th><th>status</th>";
  for (const auto& name : columns) html += "<th>" + escape(name) + "</th>";
  html += "<th>total</th><th>BMC</th><th>certificate</th></tr>\n";
  for (const auto& host : hosts) html += host_row(host, columns);
  html += "</table>\n";
  bool any = false;
  for (const auto& host : hosts) {
    const std::string s = text(host["status"]);
    if (s == "done" || s == "skipped") continue;
    if (!any) html += "<h2>What went wrong</h2>\n";
    any = true;
    html += failure_section(host);
  }
  html += "<p><a href=\"report.json\">report.json</a></p>\n</body></html>\n";
  return html;
}

std::string rack_junit(const json& report, const std::string& report_path) {
  const json& hosts = report["hosts"];
  int failures = 0, skipped = 0;
  for (const auto& host : hosts) {
    const std::string s = text(host["status"]);
    failures += s == "failed" || s == "interrupted";
    skipped += s == "skipped";
  }
  const std::string suite = "imgbuild deploy --hosts " + text(report["inventory"]);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n";
  out += "  <testsuite name=\"" + escape(suite) + "\" tests=\"" + std::to_string(hosts.size()) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"0\" skipped=\"" + std::to_string(skipped) + "\" time=\"" +
         std::to_string(report.value("seconds", 0.0)) + "\">\n";
  for (const auto& host : hosts) {
    const std::string s = text(host["status"]);
    out += "    <testcase classname=\"" + escape(suite) + "\" name=\"" + escape(text(host["host"])) + "\" time=\"" +
           std::to_string(host.value("seconds", 0.0)) + "\"";
    if (s == "done") {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    if (s == "skipped") {
      out += "      <skipped message=\"" + escape(text(host["diagnosis"])) + "\"/>\n";
    } else {
      std::string details;
      for (const auto& step : host["steps"])
        details += text(step["name"]) + " " + (step.value("ok", false) ? "ok" : "FAILED") + " (" +
                   seconds_text(step["seconds"].get<double>()) + "): " + text(step["detail"]) + "\n";
      if (!text(host["bmc_answer"]).empty()) details += "the BMC answered: " + text(host["bmc_answer"]) + "\n";
      out += "      <failure message=\"" + escape(text(host["diagnosis"])) + "\">" + escape(details) + "</failure>\n";
    }
    out += "    </testcase>\n";
  }
  if (!report_path.empty()) out += "    <system-out>" + escape("report: " + report_path + "\n") + "</system-out>\n";
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

json rack_document(const RackResult& result) { return json::parse(util::json_text(rack_json(result))); }

void write_rack_report(const std::string& dir, const json& report) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw Error(dir, "cannot create the report directory: " + ec.message(), "choose a writable path");
  util::write_file_atomically((fs::path(dir) / "report.json").string(), util::json_text(report));
  util::write_file_atomically((fs::path(dir) / "index.html").string(), rack_html(report));
}

void write_rack_junit(const std::string& path, const json& report, const std::string& report_path) {
  util::write_file_atomically(path, rack_junit(report, report_path));
}

}  // namespace imgbuild::deploy
