#include "http/date.h"

#include <cstring>

#include "bytes/conv.h"

namespace brisk::http {
namespace {

constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed",
                                 "Thu", "Fri", "Sat"};
constexpr const char* kLongDays[] = {"Sunday",    "Monday",   "Tuesday",
                                     "Wednesday", "Thursday", "Friday",
                                     "Saturday"};
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

void Put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

int Month(std::string_view s) {
  for (int i = 0; i < 12; ++i) {
    if (s == kMonths[i]) {
      return i + 1;
    }
  }
  return 0;
}

bool Digits(std::string_view s, int& v) {
  if (s.empty()) {
    return false;
  }
  std::optional<uint64_t> n = bytes::ParseUint(s);
  if (!n || *n > 100000) {
    return false;
  }
  v = static_cast<int>(*n);
  return true;
}

// "08:49:37"
bool Clock(std::string_view s, int& h, int& m, int& sec) {
  return s.size() == 8 && s[2] == ':' && s[5] == ':' &&
         Digits(s.substr(0, 2), h) && Digits(s.substr(3, 2), m) &&
         Digits(s.substr(6, 2), sec) && h < 24 && m < 60 && sec < 61;
}

std::optional<int64_t> Make(int y, int mon, int d, int h, int m, int s) {
  if (mon < 1 || d < 1 || d > 31) {
    return std::nullopt;
  }
  return DaysFromCivil(y, static_cast<unsigned>(mon),
                       static_cast<unsigned>(d)) *
             86400 +
         h * 3600 + m * 60 + s;
}

}  // namespace

void FormatHttpDate(int64_t t, char* out) {
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t secs = t - days * 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  int64_t wd = (days % 7 + 7 + 4) % 7;  // 1970-01-01 was a Thursday
  std::memcpy(out, kDays[wd], 3);
  out[3] = ',';
  out[4] = ' ';
  Put2(out + 5, d);
  out[7] = ' ';
  std::memcpy(out + 8, kMonths[m - 1], 3);
  out[11] = ' ';
  auto year = static_cast<unsigned>(y % 10000);
  Put2(out + 12, year / 100);
  Put2(out + 14, year % 100);
  out[16] = ' ';
  Put2(out + 17, static_cast<unsigned>(secs / 3600));
  out[19] = ':';
  Put2(out + 20, static_cast<unsigned>(secs / 60 % 60));
  out[22] = ':';
  Put2(out + 23, static_cast<unsigned>(secs % 60));
  std::memcpy(out + 25, " GMT", 4);
}

void AppendHttpDate(bytes::ByteBuffer& out, int64_t t) {
  FormatHttpDate(t, out.PrepareAppend(kHttpDateSize));
  out.CommitAppend(kHttpDateSize);
}

std::optional<int64_t> ParseHttpDate(std::string_view s) {
  int d, y, h, m, sec;
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  if (s.size() == 29 && s[3] == ',' && s[4] == ' ' && s[7] == ' ' &&
      s[11] == ' ' && s[16] == ' ' && s.substr(25) == " GMT") {
    int mon = Month(s.substr(8, 3));
    if (Digits(s.substr(5, 2), d) && Digits(s.substr(12, 4), y) &&
        Clock(s.substr(17, 8), h, m, sec)) {
      return Make(y, mon, d, h, m, sec);
    }
    return std::nullopt;
  }
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
  size_t comma = s.find(", ");
  if (comma != std::string_view::npos && comma >= 6) {
    std::string_view rest = s.substr(comma + 2);
    bool day_ok = false;
    for (const char* name : kLongDays) {
      day_ok |= s.substr(0, comma) == name;
    }
    if (day_ok && rest.size() == 22 && rest[2] == '-' && rest[6] == '-' &&
        rest[9] == ' ' && rest.substr(18) == " GMT") {
      int mon = Month(rest.substr(3, 3));
      if (Digits(rest.substr(0, 2), d) && Digits(rest.substr(7, 2), y) &&
          Clock(rest.substr(10, 8), h, m, sec)) {
        // RFC 9110: a two-digit year more than 50 years ahead is in the past.
        y += y < 70 ? 2000 : 1900;
        return Make(y, mon, d, h, m, sec);
      }
    }
    return std::nullopt;
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  if (s.size() == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' &&
      s[19] == ' ') {
    int mon = Month(s.substr(4, 3));
    std::string_view day = s.substr(8, 2);
    if (day[0] == ' ') {
      day.remove_prefix(1);
    }
    if (Digits(day, d) && Clock(s.substr(11, 8), h, m, sec) &&
        Digits(s.substr(20, 4), y)) {
      return Make(y, mon, d, h, m, sec);
    }
  }
  return std::nullopt;
}

std::string_view CurrentHttpDate() {
  thread_local char cached[kHttpDateSize];
  thread_local int64_t cached_second = -1;
  timespec now;
  clock_gettime(CLOCK_REALTIME_COARSE, &now);
  if (now.tv_sec != cached_second) {
    FormatHttpDate(now.tv_sec, cached);
    cached_second = now.tv_sec;
  }
  return std::string_view(cached, kHttpDateSize);
}

}  // namespace brisk::http
