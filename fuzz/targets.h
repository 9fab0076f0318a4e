// The fuzz entry points (lessons.md: moov-io keeps crashers and replays them): one function per
// parser that reads bytes from outside — batch files, channel statements, posting files, the XML
// profile, signature headers (with a ChannelNotify), the settings file. libFuzzer binaries
// (fuzz_main.cc, built with -DREPAY_FUZZ=ON and clang) call one each; replay_test.cc (the normal
// build) calls every one of them on every file in fixtures/crashers/. Each returns 0 and must
// neither crash, hang, leak nor trip a sanitizer, whatever the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace repay::fuzz {

using Entry = int (*)(const uint8_t* data, size_t size);

int batch_file(const uint8_t* data, size_t size);   // batch::check_batch_file + read_batch_lines, UTF-8 and GBK
int statement(const uint8_t* data, size_t size);    // settlement::read_statement
int posting(const uint8_t* data, size_t size);      // settlement::check_posting_file + read_posting_lines
int xml(const uint8_t* data, size_t size);          // wire::parse_xml_message (+ build and re-parse)
int signature(const uint8_t* data, size_t size);    // wire::verify_message + channel::parse_channel_notify
int settings(const uint8_t* data, size_t size);     // settings::parse_ini

struct Target {
  std::string_view name;
  Entry entry;
};
inline constexpr Target kTargets[] = {
    {"batch_file", batch_file}, {"statement", statement}, {"posting", posting},
    {"xml", xml},               {"signature", signature}, {"settings", settings},
};

}  // namespace repay::fuzz
