#include "crypto/prepared_keys.h"

#include <stdexcept>
#include <string>
#include <vector>

#include <openssl/core_names.h>
#include <openssl/crypto.h>

namespace repay::crypto::prepared {
namespace {

// A thread's most recently used keys (the processor signs for a few card centers and channels,
// each with a current and maybe a next secret). Lookups compare key bytes; the least recently
// used entry goes when full. Key copies are wiped, and OpenSSL wipes its contexts when freed.
template <typename Ctx, void (*Free)(Ctx*)>
class Recent {
 public:
  static constexpr size_t kMax = 16;
  Recent() = default;
  Recent(const Recent&) = delete;
  Recent& operator=(const Recent&) = delete;
  ~Recent() {
    for (auto& e : entries_) drop(e);
  }

  // The context for key, or nullptr (then add() one).
  Ctx* find(std::string_view key) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].key == key) {
        if (i > 0) std::swap(entries_[i], entries_[i - 1]);  // drift towards the front
        return entries_[i > 0 ? i - 1 : 0].ctx;
      }
    }
    return nullptr;
  }
  Ctx* add(std::string_view key, Ctx* ctx) {
    if (entries_.size() == kMax) {
      drop(entries_.back());
      entries_.pop_back();
    }
    entries_.push_back(Entry{std::string(key), ctx});
    return ctx;
  }

 private:
  struct Entry {
    std::string key;
    Ctx* ctx;
  };
  static void drop(Entry& e) {
    OPENSSL_cleanse(e.key.data(), e.key.size());
    Free(e.ctx);
  }
  std::vector<Entry> entries_;
};

void free_cipher(EVP_CIPHER_CTX* c) { EVP_CIPHER_CTX_free(c); }
void free_mac(EVP_MAC_CTX* c) { EVP_MAC_CTX_free(c); }

EVP_MAC* hmac_algorithm() {
  // Fetched once for the process (thread-safe static initialisation), never freed.
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (mac == nullptr) throw std::runtime_error("HMAC not available");
  return mac;
}

const EVP_CIPHER* gcm_algorithm() {
  static EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (cipher == nullptr) throw std::runtime_error("AES-256-GCM not available");
  return cipher;
}

EVP_MAC_CTX* new_mac(std::string_view key) {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(hmac_algorithm());
  if (ctx == nullptr) throw std::runtime_error("EVP_MAC_CTX_new failed");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  // OpenSSL wants a non-null key pointer even for an empty key (HMAC allows one).
  static const unsigned char kEmpty = 0;
  const auto* k = key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
  if (EVP_MAC_init(ctx, k, key.size(), params) != 1) {
    EVP_MAC_CTX_free(ctx);
    throw std::runtime_error("HMAC-SHA256 key set-up failed");
  }
  return ctx;
}

EVP_CIPHER_CTX* new_gcm(std::string_view key, bool encrypt) {
  if (key.size() != 32) throw std::runtime_error("AES-256-GCM needs a 32-byte key");
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) throw std::runtime_error("EVP_CIPHER_CTX_new failed");
  if (EVP_CipherInit_ex(ctx, gcm_algorithm(), nullptr,
                        reinterpret_cast<const unsigned char*>(key.data()), nullptr,
                        encrypt ? 1 : 0) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    throw std::runtime_error("AES-256-GCM key set-up failed");
  }
  return ctx;
}

thread_local Recent<EVP_MAC_CTX, free_mac> t_macs;
thread_local Recent<EVP_CIPHER_CTX, free_cipher> t_encrypt;
thread_local Recent<EVP_CIPHER_CTX, free_cipher> t_decrypt;

}  // namespace

void hmac_sha256(std::string_view key, std::initializer_list<std::string_view> parts,
                 unsigned char out[kHmacBytes]) {
  EVP_MAC_CTX* ctx = t_macs.find(key);
  // A context seen before is reset to its key's inner and outer states (no key given).
  bool ok = ctx != nullptr ? EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1
                           : (ctx = t_macs.add(key, new_mac(key))) != nullptr;
  for (auto p : parts) {
    ok = ok && EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(p.data()), p.size()) == 1;
  }
  size_t len = 0;
  ok = ok && EVP_MAC_final(ctx, out, &len, kHmacBytes) == 1 && len == kHmacBytes;
  if (!ok) throw std::runtime_error("HMAC-SHA256 failed");
}

EVP_CIPHER_CTX* aes_256_gcm(std::string_view key, bool encrypt) {
  auto& recent = encrypt ? t_encrypt : t_decrypt;
  EVP_CIPHER_CTX* ctx = recent.find(key);
  return ctx != nullptr ? ctx : recent.add(key, new_gcm(key, encrypt));
}

}  // namespace repay::crypto::prepared
