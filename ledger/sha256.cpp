#include "ledger/sha256.hpp"

#include <openssl/evp.h>

#include <string>

#include "ledger/error.hpp"

namespace crix::ledger {

// Fetched once: OpenSSL 3 would otherwise look the algorithm up again on every EVP_DigestInit_ex.
Sha256::Sha256() : ctx_(EVP_MD_CTX_new()), md_(EVP_MD_fetch(nullptr, "SHA256", nullptr)) {
  if (ctx_ == nullptr || md_ == nullptr) {
    EVP_MD_free(md_);
    EVP_MD_CTX_free(ctx_);
    throw Error(ErrorKind::kStorage,
                "OpenSSL libcrypto offers no SHA-256 digest: check the libssl3 installation");
  }
}

Sha256::~Sha256() {
  EVP_MD_free(md_);
  EVP_MD_CTX_free(ctx_);
}

Hash Sha256::digest(const void* data, std::size_t size) {
  Hash out{};
  unsigned int length = 0;
  if (EVP_DigestInit_ex(ctx_, md_, nullptr) != 1 || EVP_DigestUpdate(ctx_, data, size) != 1 ||
      EVP_DigestFinal_ex(ctx_, out.data(), &length) != 1 || length != out.size()) {
    throw Error(ErrorKind::kStorage, "OpenSSL failed to compute a SHA-256 digest");
  }
  return out;
}

}  // namespace crix::ledger
