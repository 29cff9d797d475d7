// The run's report, written from its event list (replay/run_events.h), which it only reads:
// * html_report: one self-contained HTML page (inline CSS and JS from report/assets/, the
//   events as JSON inside it; no network, no external fonts) with a zoomable, pannable time
//   axis in guest instructions and virtual time, a lane per kernel, the jumps as arrows, spans
//   and markers, hover details and, on click, the serial output around the event and the
//   device fields before and after;
// * trace_events_json: the Trace Event format (`{"traceEvents": [...]}`), which Perfetto and
//   chrome://tracing load: a thread per lane, "X" spans, "i" markers, flow arrows for jumps.
// Writers throw ReportError naming the file on failure.
#pragma once

#include <stdexcept>
#include <string>

#include "replay/run_events.h"

namespace kjump {

struct ReportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string events_json(const RunEvents& ev);  // the page's data: lanes, events, serial (JSON)
std::string html_report(const RunEvents& ev);
std::string trace_events_json(const RunEvents& ev);

// Atomically (base/atomic_file.h): a failed write leaves the old file.
void write_html_report(const std::string& path, const RunEvents& ev);
void write_trace_events(const std::string& path, const RunEvents& ev);

}  // namespace kjump
