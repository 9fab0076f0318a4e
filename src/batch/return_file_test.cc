#include "batch/return_file.h"

#include <doctest/doctest.h>

namespace repay::batch {
namespace {

using files::Encoding;

TEST_CASE("return file names: accepted, and the n-th rejection") {
  CHECK(return_file_name("CC01", "20261121", "B001") == "RET_CC01_20261121_B001.txt");
  CHECK(return_file_name("CC01", "20261121", "B_1", 2) == "RET_CC01_20261121_B_1_REJ2.txt");
}

TEST_CASE("header line") {
  ReturnHeader h{"CC01", "B001", "20261121", "00", 3, 260051, 2, 260050, 1, 1};
  CHECK(format_return_header(h) == "H|CC01|B001|20261121|00|3|260051|2|260050|1|1");
  ReturnHeader rej{"CC01", "B001", "20261121", "F2", 4, 260051, 0, 0, 0, 0};
  CHECK(format_return_header(rej) == "H|CC01|B001|20261121|F2|4|260051|0|0|0|0");
}

TEST_CASE("detail lines: S with its fee, F with zeros and maybe no txnNo") {
  ReturnLine s{1, "ITEM001", 10000, 50, 10050, 'S', "0000", "成功", "T0001", "20261121103000"};
  CHECK(format_return_line(s, Encoding::kUtf8) ==
        "D|1|ITEM001|10000|50|10050|S|0000|成功|T0001|20261121103000");
  ReturnLine f{2, "ITEM002", 250050, 0, 0, 'F', "3002", "", "", "20261121155000"};
  CHECK(format_return_line(f, Encoding::kUtf8) == "D|2|ITEM002|250050|0|0|F|3002|||20261121155000");
}

TEST_CASE("respMsg from a bank is fitted: no '|' or controls, 64 characters, GBK-safe") {
  ReturnLine l{3, "ITEM003", 1, 0, 0, 'F', "1001", "余额|不足\r\n😀", "T3", "20261121120000"};
  CHECK(format_return_line(l, Encoding::kUtf8) ==
        "D|3|ITEM003|1|0|0|F|1001|余额 不足  😀|T3|20261121120000");
  CHECK(format_return_line(l, Encoding::kGbk) ==
        "D|3|ITEM003|1|0|0|F|1001|余额 不足  ?|T3|20261121120000");
  l.resp_msg = std::string(100, 'x');
  CHECK(format_return_line(l, Encoding::kUtf8) ==
        "D|3|ITEM003|1|0|0|F|1001|" + std::string(64, 'x') + "|T3|20261121120000");
}

}  // namespace
}  // namespace repay::batch
