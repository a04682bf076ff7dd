// crix::fix TLS contexts: FIX over TLS, the exchange's side (the acceptor) and the client's (the
// initiator), both built here from PEM files so that crixd, `crix config check` and `crix order --tls`
// apply one policy and report one set of errors.
//
// Policy: TLS 1.2 at least (TLS 1.0 and 1.1 are refused in the handshake); on TLS 1.2 only ECDHE key
// exchange with AES-GCM or ChaCha20-Poly1305 (forward secrecy, authenticated encryption); TLS 1.3 with
// OpenSSL's default suites (all of them AEAD); no compression (CRIME); no renegotiation (TLS 1.2's
// client-initiated renegotiation is a denial-of-service lever, and a connection's SSL object must not
// change state under the thread that writes to it); no session tickets or cache (a FIX session is one
// long connection, resumption saves nothing).
//
// Errors: make_server_context() and make_client_context() throw TlsError, whose `key` names the
// setting at fault (the market file's `exchange.fix_tls_certificate`, ..., or the client's option) and
// whose what() says what is wrong and what to do, with OpenSSL's reason.
//
// Thread rules: the functions are pure (they read the files); a context is then shared read-only by
// every connection (OpenSSL allows SSL_new() on one SSL_CTX from several threads).
//
// C++14: included by crix::fix, which QuickFIX's headers hold to C++14.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

typedef struct ssl_ctx_st SSL_CTX;  // as <openssl/types.h> declares it

namespace crix {
namespace fix {

class TlsError : public std::runtime_error {
 public:
  TlsError(std::string key, const std::string& reason) : std::runtime_error(key + ": " + reason), key_(std::move(key)) {}
  const std::string& key() const { return key_; }
  // what() without the key, for callers that place the key themselves (config::ConfigError).
  std::string reason() const { return std::string(what()).substr(key_.size() + 2); }

 private:
  std::string key_;
};

struct TlsFiles {
  std::string certificate;  // PEM certificate chain: the server's, or the client's (mutual TLS); "" = none
  std::string key;          // PEM private key of `certificate`
  // Server: "" = clients present no certificate; else the PEM CA certificates a client's certificate
  // must be signed by (mutual TLS: a client without one is refused in the handshake).
  // Client: the PEM CA certificates the exchange's certificate must be signed by; "" = the system's
  // trusted CAs (/etc/ssl/certs).
  std::string ca;
  // The names the files are known by in error messages, e.g. "exchange.fix_tls_certificate".
  std::string certificate_key = "certificate";
  std::string key_key = "key";
  std::string ca_key = "ca";
};

using TlsContext = std::shared_ptr<SSL_CTX>;

// The exchange's context: `certificate` and `key` required (TlsError otherwise), `ca` optional.
TlsContext make_server_context(const TlsFiles& files);

// A client's context for the exchange at `host` (its certificate must name it: an IPv4 address is
// checked against the certificate's IP addresses, a name against its DNS names). `certificate` and
// `key` both or neither.
TlsContext make_client_context(const TlsFiles& files, const std::string& host);

// OpenSSL's reasons queued on this thread, "; "-separated and cleared, or `otherwise` when none.
std::string tls_errors(const std::string& otherwise);

}  // namespace fix
}  // namespace crix
