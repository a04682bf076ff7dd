// crix::fix TLS contexts (tls.hpp).
#include "gateway/fix/tls.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace crix {
namespace fix {

namespace {

// TLS 1.2: ECDHE with AES-GCM or ChaCha20-Poly1305, ECDSA or RSA certificates. TLS 1.3 keeps
// OpenSSL's default suites (AES-GCM and ChaCha20-Poly1305).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// A readable regular file, else TlsError naming `key`.
void check_file(const std::string& path, const std::string& key, const std::string& what) {
  struct stat s {};
  if (::stat(path.c_str(), &s) != 0) {
    throw TlsError(key, path + " cannot be read (" + std::strerror(errno) + "): give the path of " + what);
  }
  if (!S_ISREG(s.st_mode)) throw TlsError(key, path + " is not a file: give the path of " + what);
}

TlsContext new_context(const SSL_METHOD* method, const std::string& key) {
  ERR_clear_error();
  TlsContext ctx(SSL_CTX_new(method), SSL_CTX_free);
  if (!ctx) throw TlsError(key, tls_errors("OpenSSL could not make a TLS context"));
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
                                     SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx.get(), 0);  // TLS 1.3 sends no session tickets either
  if (SSL_CTX_set_cipher_list(ctx.get(), kTls12Ciphers) != 1) {
    throw TlsError(key, tls_errors("OpenSSL offers none of the TLS 1.2 ciphers this exchange uses"));
  }
  return ctx;
}

void use_certificate(SSL_CTX* ctx, const TlsFiles& files) {
  check_file(files.certificate, files.certificate_key, "a PEM certificate chain");
  check_file(files.key, files.key_key, "the certificate's PEM private key");
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(ctx, files.certificate.c_str()) != 1) {
    throw TlsError(files.certificate_key, files.certificate + " is not a PEM certificate chain (" +
                                              tls_errors("no certificate in it") + ")");
  }
  const bool used = SSL_CTX_use_PrivateKey_file(ctx, files.key.c_str(), SSL_FILETYPE_PEM) == 1;
  if (!used && ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH) {
    throw TlsError(files.key_key, files.key + " is not an unencrypted PEM private key (" +
                                      tls_errors("no key in it") + ")");
  }
  if (!used || SSL_CTX_check_private_key(ctx) != 1) {
    throw TlsError(files.key_key, files.key + " is not the private key of " + files.certificate + " (" +
                                      tls_errors("they do not match") + "): give the certificate's own key");
  }
}

void use_ca(SSL_CTX* ctx, const TlsFiles& files) {
  check_file(files.ca, files.ca_key, "PEM CA certificates");
  ERR_clear_error();
  if (SSL_CTX_load_verify_locations(ctx, files.ca.c_str(), nullptr) != 1) {
    throw TlsError(files.ca_key, files.ca + " holds no PEM CA certificate (" + tls_errors("none found") + ")");
  }
}

}  // namespace

std::string tls_errors(const std::string& otherwise) {
  std::string text;
  while (const unsigned long e = ERR_get_error()) {
    char line[256] = {};
    ERR_error_string_n(e, line, sizeof line);
    const char* reason = ERR_reason_error_string(e);
    if (!text.empty()) text += "; ";
    text += reason != nullptr ? reason : line;
  }
  return text.empty() ? otherwise : text;
}

TlsContext make_server_context(const TlsFiles& files) {
  if (files.certificate.empty()) throw TlsError(files.certificate_key, "is required for TLS: give a PEM certificate chain");
  if (files.key.empty()) throw TlsError(files.key_key, "is required with " + files.certificate_key + ": give its PEM private key");
  TlsContext ctx = new_context(TLS_server_method(), files.certificate_key);
  use_certificate(ctx.get(), files);
  if (!files.ca.empty()) {
    use_ca(ctx.get(), files);
    // The CAs are named to the client, which picks its certificate by them.
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.ca.c_str());
    if (names != nullptr) SSL_CTX_set_client_CA_list(ctx.get(), names);
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    SSL_CTX_set_verify_depth(ctx.get(), 4);
  }
  ERR_clear_error();
  return ctx;
}

TlsContext make_client_context(const TlsFiles& files, const std::string& host) {
  if (files.certificate.empty() != files.key.empty()) {
    throw TlsError(files.certificate.empty() ? files.certificate_key : files.key_key,
                   "is needed with " + (files.certificate.empty() ? files.key_key : files.certificate_key) +
                       ": give both a client certificate and its key, or neither");
  }
  TlsContext ctx = new_context(TLS_client_method(), files.ca_key);
  if (!files.certificate.empty()) use_certificate(ctx.get(), files);
  if (!files.ca.empty()) {
    use_ca(ctx.get(), files);
  } else if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
    throw TlsError(files.ca_key, tls_errors("the system's trusted CAs cannot be loaded") + ": give the exchange's CA file");
  }
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx.get());
  in_addr address{};
  const int checked = ::inet_pton(AF_INET, host.c_str(), &address) == 1
                          ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                          : X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  if (checked != 1) throw TlsError("host", "'" + host + "' cannot be checked against a certificate");
  ERR_clear_error();
  return ctx;
}

}  // namespace fix
}  // namespace crix
