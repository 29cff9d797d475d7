// The report page's assets, embedded at build time from report/assets/ (report/embed_assets.cmake).
#pragma once

namespace kjump::report_assets {

extern const char* const report_css;
extern const char* const report_js;
extern const char* const report_html;  // the page, with /*KJUMP_CSS*/, /*KJUMP_JS*/ and /*KJUMP_DATA*/ to fill

}  // namespace kjump::report_assets
