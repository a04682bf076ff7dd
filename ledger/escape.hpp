// Text that must stay one line whatever it holds: a log line (crixd's OneLine flag) and a quoted
// value of the audit trail (ledger/settlement.cpp). A newline in a client's ClOrdID or an operator's
// reason would otherwise forge a line of its own.
#pragma once

#include <string_view>

namespace crix::ledger {

// Appends `text` to `out` (anything with append(const char*, const char*): std::string, fmt's
// memory_buf) with control characters written as \n, \r, \t or \xHH, and each character of `also`
// after a backslash.
template <class Out>
void append_one_line(Out& out, std::string_view text, std::string_view also = {}) {
  constexpr char kHex[] = "0123456789abcdef";
  const char* plain = text.data();  // the start of the bytes not written yet
  const char* const end = text.data() + text.size();
  for (const char* p = plain; p != end; ++p) {
    const auto byte = static_cast<unsigned char>(*p);
    const bool control = byte < 0x20 || byte == 0x7f;
    if (!control && also.find(*p) == std::string_view::npos) continue;
    out.append(plain, p);
    const char escaped[] = {'\\', !control ? *p : *p == '\n' ? 'n' : *p == '\r' ? 'r' : *p == '\t' ? 't' : 'x',
                            kHex[byte >> 4], kHex[byte & 0xf]};
    out.append(escaped, escaped + (control && escaped[1] == 'x' ? 4 : 2));
    plain = p + 1;
  }
  out.append(plain, end);
}

}  // namespace crix::ledger
