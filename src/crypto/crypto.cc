#include "crypto/crypto.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto/prepared_keys.h"

namespace repay::crypto {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr unsigned char kVersion = 1;

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
unsigned char* bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

std::string to_hex(const unsigned char* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 0xF];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string hmac_raw(std::string_view key, std::string_view data) {
  unsigned char out[prepared::kHmacBytes];
  prepared::hmac_sha256(key, {data}, out);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view data) {
  return hmac_sha256_hex(key, {data});
}

std::string hmac_sha256_hex(std::string_view key, std::initializer_list<std::string_view> parts) {
  unsigned char out[prepared::kHmacBytes];
  prepared::hmac_sha256(key, parts, out);
  return to_hex(out, sizeof out);
}

std::string sha256_hex(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  return to_hex(out, len);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;  // lengths are not secret (signatures are 64 hex)
  return a.empty() || CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  // A failing CSPRNG is not something to carry on from: abort the operation.
  if (n > 0 && RAND_bytes(bytes(out), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

std::string random_token(size_t n) {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    for (unsigned char b : random_bytes(n - out.size() + 8)) {
      // Rejection sampling: 248 = 4 * 62, so the kept bytes map uniformly onto the alphabet.
      if (b < 248 && out.size() < n) out += kAlphabet[b % 62];
    }
  }
  return out;
}

Result<FieldCipher> FieldCipher::from_hex_key(std::string_view hex) {
  if (hex.size() != kKeyBytes * 2) {
    return make_error("CONFIG", "key must be 64 hex characters");
  }
  std::string master(kKeyBytes, '\0');
  for (size_t i = 0; i < kKeyBytes; ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return make_error("CONFIG", "key must be 64 hex characters");
    master[i] = static_cast<char>(hi << 4 | lo);
  }
  FieldCipher c;
  // Separate keys for encryption and look-up hashes, so a leaked hash key reveals nothing about
  // the encryption key.
  c.enc_key_ = hmac_raw(master, "repay-enc-v1");
  c.hash_key_ = hmac_raw(master, "repay-lookup-v1");
  OPENSSL_cleanse(master.data(), master.size());
  return c;
}

Result<FieldCipher> FieldCipher::from_key_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return make_error("CONFIG", "cannot read key file " + path + ": " + std::strerror(errno));
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return make_error("CONFIG", "key file " + path + " is not a regular file");
  }
  // The key decrypts every stored card, ID and mobile number: only its owner may read it.
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return make_error("CONFIG",
                      "key file " + path + " has mode " + mode +
                          ": group or others can access it; make it the owner's only (chmod 600 " +
                          path + ")",
                      "processor.key_file", mode);
  }
  std::string text;
  char buf[256];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      OPENSSL_cleanse(buf, sizeof buf);
      OPENSSL_cleanse(text.data(), text.size());
      return make_error("CONFIG", "cannot read key file " + path + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > 4096) break;  // far beyond a key: malformed below
  }
  ::close(fd);
  OPENSSL_cleanse(buf, sizeof buf);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  auto c = from_hex_key(text);
  OPENSSL_cleanse(text.data(), text.size());
  if (!c) return make_error("CONFIG", "malformed key file " + path + ": " + c.error().message);
  return c;
}

Status FieldCipher::create_key_file(const std::string& path) {
  // O_EXCL: never overwrite a key, which would make every stored field unreadable.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(errno == EEXIST ? "CONFIG" : "IO",
                      "cannot create key file " + path + ": " + std::strerror(errno));
  }
  std::string raw = random_bytes(kKeyBytes);
  std::string text = to_hex(bytes(raw), raw.size()) + "\n";
  OPENSSL_cleanse(raw.data(), raw.size());
  bool ok = ::fchmod(fd, 0600) == 0;  // the umask may only remove bits, but be explicit
  size_t done = 0;
  while (ok && done < text.size()) {
    ssize_t w = ::write(fd, text.data() + done, text.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) ok = false;
    else done += static_cast<size_t>(w);
  }
  ok = ok && ::fsync(fd) == 0;
  int err = errno;
  ok = (::close(fd) == 0) && ok;
  OPENSSL_cleanse(text.data(), text.size());
  if (!ok) {
    ::unlink(path.c_str());
    return make_error("IO", "cannot write key file " + path + ": " + std::strerror(err));
  }
  return ok_status();
}

std::string FieldCipher::encrypt(std::string_view plaintext) const {
  std::string out(1 + kNonceBytes + plaintext.size() + kTagBytes, '\0');
  out[0] = static_cast<char>(kVersion);
  std::string nonce = random_bytes(kNonceBytes);
  std::memcpy(out.data() + 1, nonce.data(), kNonceBytes);
  // This thread's context with the key schedule already set: only the nonce is new.
  EVP_CIPHER_CTX* ctx = prepared::aes_256_gcm(enc_key_, true);
  int len = 0;
  unsigned char* ct = bytes(out) + 1 + kNonceBytes;
  // The version byte is authenticated data, so it cannot be changed without failing the tag.
  bool ok = EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, bytes(nonce)) == 1 &&
            EVP_EncryptUpdate(ctx, nullptr, &len, bytes(out), 1) == 1 &&
            EVP_EncryptUpdate(ctx, ct, &len, bytes(plaintext),
                              static_cast<int>(plaintext.size())) == 1 &&
            EVP_EncryptFinal_ex(ctx, ct + len, &len) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, kTagBytes,
                                ct + plaintext.size()) == 1;
  if (!ok) throw std::runtime_error("AES-256-GCM encryption failed");
  return out;
}

Result<std::string> FieldCipher::decrypt(std::string_view blob) const {
  if (blob.size() < 1 + kNonceBytes + kTagBytes) {
    return make_error("CRYPTO", "encrypted field too short");
  }
  if (static_cast<unsigned char>(blob[0]) != kVersion) {
    return make_error("CRYPTO", "unknown encrypted field version");
  }
  size_t ct_len = blob.size() - 1 - kNonceBytes - kTagBytes;
  const unsigned char* nonce = bytes(blob) + 1;
  const unsigned char* ct = nonce + kNonceBytes;
  std::string tag(blob.substr(1 + kNonceBytes + ct_len));
  std::string out(ct_len, '\0');
  EVP_CIPHER_CTX* ctx = prepared::aes_256_gcm(enc_key_, false);
  int len = 0;
  int final_len = 0;
  bool ok = EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce) == 1 &&
            EVP_DecryptUpdate(ctx, nullptr, &len, bytes(blob), 1) == 1 &&
            EVP_DecryptUpdate(ctx, bytes(out), &len, ct, static_cast<int>(ct_len)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx, bytes(out) + len, &final_len) == 1;
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    return make_error("CRYPTO", "encrypted field does not verify");
  }
  return out;
}

std::string FieldCipher::lookup_hash(std::string_view plaintext) const {
  return hmac_sha256_hex(hash_key_, plaintext);
}

}  // namespace repay::crypto
