// The HTML page: report/assets/report.html with the CSS, the JavaScript and the event list
// (JSON in a <script type="application/json">) put in. Everything is inline, so the file
// opens anywhere with no network.
#include <string_view>

#include "base/atomic_file.h"
#include "report/assets.h"
#include "report/report.h"

namespace kjump {
namespace {

void fill(std::string& page, std::string_view mark, const std::string& text) {
  size_t at = page.find(mark);
  if (at == std::string::npos) throw ReportError("report template: no " + std::string(mark));
  page.replace(at, mark.size(), text);
}

// Inside <script> the text may not contain "</" (it would end the element early): JSON allows
// "\/" for "/", and nothing else in the data needs escaping for HTML.
std::string script_safe(std::string s) {
  for (size_t at = 0; (at = s.find("</", at)) != std::string::npos; at += 3) s.replace(at, 2, "<\\/");
  return s;
}

void write_file(const std::string& path, const std::string& text, const char* what) {
  try {
    AtomicFile f(path);
    f.write(text.data(), text.size());
    f.commit();
  } catch (const std::exception& e) {
    throw ReportError(path + ": cannot write the " + what + ": " + e.what());
  }
}

}  // namespace

std::string html_report(const RunEvents& ev) {
  std::string page = report_assets::report_html;
  std::string title = ev.title;
  for (auto [from, to] : {std::pair<char, const char*>{'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}})
    for (size_t at = 0; (at = title.find(from, at)) != std::string::npos; at += std::string_view(to).size())
      title.replace(at, 1, to);
  fill(page, "/*KJUMP_TITLE*/", title);
  fill(page, "/*KJUMP_CSS*/", report_assets::report_css);
  fill(page, "/*KJUMP_DATA*/", script_safe(events_json(ev)));
  fill(page, "/*KJUMP_JS*/", script_safe(report_assets::report_js));
  return page;
}

void write_html_report(const std::string& path, const RunEvents& ev) { write_file(path, html_report(ev), "report"); }

void write_trace_events(const std::string& path, const RunEvents& ev) {
  write_file(path, trace_events_json(ev), "trace events");
}

}  // namespace kjump
