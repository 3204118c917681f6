#include "harness/traffic/tool/units.h"

#include <gtest/gtest.h>

#include "harness/traffic/tool/errors.h"

namespace phantasm::traffic {
namespace {

TEST(ParseRate, PacketsPerSecond) {
  const Rate r = parse_rate("100kpps");
  EXPECT_EQ(r.unit, Rate::Unit::packets_per_second);
  EXPECT_DOUBLE_EQ(r.per_second, 100e3);
  EXPECT_DOUBLE_EQ(parse_rate("2.5Mpps").per_second, 2.5e6);
  EXPECT_DOUBLE_EQ(parse_rate("750pps").per_second, 750);
}

TEST(ParseRate, BitsPerSecondIncludingIperfSpelling) {
  for (const char* text : {"500M", "500Mbit", "500Mbps", "500m", "500Mbit/s", "0.5G"}) {
    const Rate r = parse_rate(text);
    EXPECT_EQ(r.unit, Rate::Unit::bits_per_second) << text;
    EXPECT_DOUBLE_EQ(r.per_second, 500e6) << text;
  }
  EXPECT_DOUBLE_EQ(parse_rate("64000").per_second, 64000);
  EXPECT_EQ(parse_rate("1000m").describe(), "1 Gbit/s");
}

TEST(ParseRate, UnlimitedSpellings) {
  for (const char* text : {"0", "max", "unlimited"}) EXPECT_TRUE(parse_rate(text).unlimited()) << text;
}

TEST(ParseRate, RejectsNonsenseWithOneLineMessages) {
  for (const char* text : {"", "fast", "10x", "-5M", "10kbit/h", "M", "0pps", "1..2M"}) {
    try {
      parse_rate(text);
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("invalid rate"), std::string::npos);
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  }
}

TEST(ParseCount, DecimalMultipliersAndWholeNumbersOnly) {
  EXPECT_EQ(parse_count("2000"), 2000u);
  EXPECT_EQ(parse_count("10k"), 10000u);
  EXPECT_EQ(parse_count("1.5M"), 1500000u);
  EXPECT_THROW(parse_count("1.5"), UsageError);
  EXPECT_THROW(parse_count("ten"), UsageError);
  EXPECT_THROW(parse_count("5s"), UsageError);
}

TEST(ParseDuration, UnitsAndBareSeconds) {
  using std::chrono::nanoseconds;
  EXPECT_EQ(parse_duration("10"), nanoseconds(10'000'000'000));
  EXPECT_EQ(parse_duration("1.5s"), nanoseconds(1'500'000'000));
  EXPECT_EQ(parse_duration("500ms"), nanoseconds(500'000'000));
  EXPECT_EQ(parse_duration("250us"), nanoseconds(250'000));
  EXPECT_EQ(parse_duration("2m"), nanoseconds(120'000'000'000));
  EXPECT_EQ(parse_duration("1h"), nanoseconds(3'600'000'000'000));
  EXPECT_THROW(parse_duration("10 s"), UsageError);
  EXPECT_THROW(parse_duration("soon"), UsageError);
}

TEST(ParseByteSize, BinaryMultipliers) {
  EXPECT_EQ(parse_byte_size("4M"), 4u << 20);
  EXPECT_EQ(parse_byte_size("4MiB"), 4u << 20);
  EXPECT_EQ(parse_byte_size("512k"), 512u << 10);
  EXPECT_EQ(parse_byte_size("65536"), 65536u);
  EXPECT_THROW(parse_byte_size("4Mbit"), UsageError);
}

}  // namespace
}  // namespace phantasm::traffic
