/*
 * AES-256-GCM with one OpenSSL cipher context kept per key (the barrier's keyring terms): the key
 * schedule is set up once, and each message only resets the nonce (EVP_EncryptInit_ex with no cipher
 * and no key). node:crypto builds a new context for every createCipheriv (a cipher fetch, a key
 * schedule, a native object and its handle), which was most of the barrier's cost per token minted.
 *
 * It links against the OpenSSL inside the node binary (its EVP_* symbols, resolved at load), built
 * with the headers Node ships, so it uses the very library node:crypto uses. The format is node's:
 * iv (12) | ciphertext | tag (16), so either side opens what the other sealed (test/seal/gcm-native).
 *
 *   new GcmKey(key)                   key: a 32-byte Buffer (copied into the context, not kept)
 *   seal(buf, offset, length, aad)    buf[offset, +12) is the nonce; the `length` bytes after it are
 *                                     encrypted in place, and the tag written after them
 *   open(buf, offset, length, aad)    buf[offset, +length) is iv | ciphertext | tag; the ciphertext is
 *                                     decrypted in place; throws (plaintext bytes zeroed) on a bad tag
 *   drop()                            frees both contexts (OpenSSL cleanses the key schedule); any use
 *                                     after it throws
 * aad is a string (its UTF-8 bytes are the associated data).
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if OPENSSL_VERSION_MAJOR < 3
#error "warden_gcm expects Node's OpenSSL 3 headers (npm's nodedir)"
#endif

#define IV_LEN 12
#define TAG_LEN 16
#define KEY_LEN 32
/* Associated data up to this many bytes is copied on the stack; longer on the heap. */
#define AAD_STACK 512

typedef struct {
  EVP_CIPHER_CTX *enc;
  EVP_CIPHER_CTX *dec;
} GcmKey;

static void key_drop(GcmKey *k) {
  if (k->enc) EVP_CIPHER_CTX_free(k->enc);
  if (k->dec) EVP_CIPHER_CTX_free(k->dec);
  k->enc = NULL;
  k->dec = NULL;
}

static void key_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  key_drop(data);
  free(data);
}

static napi_value fail(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static napi_value New(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self;
  void *key;
  size_t keylen;
  if (napi_get_cb_info(env, info, &argc, argv, &self, NULL) != napi_ok || argc < 1 ||
      napi_get_buffer_info(env, argv[0], &key, &keylen) != napi_ok || keylen != KEY_LEN)
    return fail(env, "gcm: the key must be a 32-byte Buffer");
  GcmKey *k = calloc(1, sizeof *k);
  if (k == NULL) return fail(env, "gcm: out of memory");
  k->enc = EVP_CIPHER_CTX_new();
  k->dec = EVP_CIPHER_CTX_new();
  if (k->enc == NULL || k->dec == NULL || EVP_EncryptInit_ex(k->enc, EVP_aes_256_gcm(), NULL, key, NULL) != 1 ||
      EVP_DecryptInit_ex(k->dec, EVP_aes_256_gcm(), NULL, key, NULL) != 1) {
    key_drop(k);
    free(k);
    return fail(env, "gcm: cipher set-up failed");
  }
  if (napi_wrap(env, self, k, key_finalize, NULL, NULL) != napi_ok) {
    key_drop(k);
    free(k);
    return fail(env, "gcm: wrap failed");
  }
  return self;
}

typedef struct {
  unsigned char *buf;
  size_t offset, length;
  char stack[AAD_STACK];
  char *aad;
  size_t aadlen;
} Args;

/* The four arguments of seal and open; false with an exception pending when they are not right. */
static int read_args(napi_env env, napi_callback_info info, GcmKey **key, Args *a, int want_enc) {
  size_t argc = 4;
  napi_value argv[4], self;
  void *k = NULL, *buf;
  size_t buflen, copied;
  int64_t offset, length;
  a->aad = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, &self, NULL) != napi_ok || argc < 4) return fail(env, "gcm: (buf, offset, length, aad) expected"), 0;
  if (napi_unwrap(env, self, &k) != napi_ok || k == NULL) return fail(env, "gcm: not a GcmKey"), 0;
  *key = k;
  if ((want_enc ? (*key)->enc : (*key)->dec) == NULL) return fail(env, "gcm: the key was dropped"), 0;
  if (napi_get_buffer_info(env, argv[0], &buf, &buflen) != napi_ok || napi_get_value_int64(env, argv[1], &offset) != napi_ok ||
      napi_get_value_int64(env, argv[2], &length) != napi_ok)
    return fail(env, "gcm: (buf, offset, length, aad) expected"), 0;
  /* seal: length is the plaintext's; open: the whole blob's. Either way all of it inside buf, and < 2 GiB. */
  size_t span = want_enc ? (size_t)length + IV_LEN + TAG_LEN : (size_t)length;
  if (offset < 0 || length < 0 || length > INT32_MAX - IV_LEN - TAG_LEN || (size_t)offset > buflen || span > buflen - (size_t)offset ||
      (!want_enc && length < IV_LEN + TAG_LEN))
    return fail(env, "gcm: offset or length out of range"), 0;
  if (napi_get_value_string_utf8(env, argv[3], NULL, 0, &a->aadlen) != napi_ok) return fail(env, "gcm: aad must be a string"), 0;
  if (a->aadlen > INT32_MAX) return fail(env, "gcm: aad too long"), 0;
  a->aad = a->aadlen < AAD_STACK ? a->stack : malloc(a->aadlen + 1);
  if (a->aad == NULL) return fail(env, "gcm: out of memory"), 0;
  if (napi_get_value_string_utf8(env, argv[3], a->aad, a->aadlen + 1, &copied) != napi_ok || copied != a->aadlen) {
    if (a->aad != a->stack) free(a->aad);
    a->aad = NULL;
    return fail(env, "gcm: aad must be a string"), 0;
  }
  a->buf = buf;
  a->offset = (size_t)offset;
  a->length = (size_t)length;
  return 1;
}

static void args_free(Args *a) {
  if (a->aad != NULL && a->aad != a->stack) free(a->aad);
}

static napi_value Seal(napi_env env, napi_callback_info info) {
  GcmKey *k;
  Args a;
  if (!read_args(env, info, &k, &a, 1)) return NULL;
  unsigned char *iv = a.buf + a.offset, *body = iv + IV_LEN;
  int n = 0, f = 0;
  /* GCM is a stream mode: update gives back exactly as many bytes, final none. */
  int ok = EVP_EncryptInit_ex(k->enc, NULL, NULL, NULL, iv) == 1 &&
           (a.aadlen == 0 || EVP_EncryptUpdate(k->enc, NULL, &n, (unsigned char *)a.aad, (int)a.aadlen) == 1) &&
           EVP_EncryptUpdate(k->enc, body, &n, body, (int)a.length) == 1 && (size_t)n == a.length &&
           EVP_EncryptFinal_ex(k->enc, body + n, &f) == 1 && f == 0 &&
           EVP_CIPHER_CTX_ctrl(k->enc, EVP_CTRL_GCM_GET_TAG, TAG_LEN, body + a.length) == 1;
  args_free(&a);
  if (!ok) {
    /* Neither the plaintext left half-encrypted nor a partial blob. */
    OPENSSL_cleanse(iv, IV_LEN + a.length + TAG_LEN);
    return fail(env, "gcm: seal failed");
  }
  return NULL;
}

static napi_value Open(napi_env env, napi_callback_info info) {
  GcmKey *k;
  Args a;
  if (!read_args(env, info, &k, &a, 0)) return NULL;
  unsigned char *iv = a.buf + a.offset, *body = iv + IV_LEN;
  size_t clen = a.length - IV_LEN - TAG_LEN;
  int n = 0, f = 0;
  int ok = EVP_DecryptInit_ex(k->dec, NULL, NULL, NULL, iv) == 1 &&
           (a.aadlen == 0 || EVP_DecryptUpdate(k->dec, NULL, &n, (unsigned char *)a.aad, (int)a.aadlen) == 1) &&
           EVP_DecryptUpdate(k->dec, body, &n, body, (int)clen) == 1 && (size_t)n == clen &&
           EVP_CIPHER_CTX_ctrl(k->dec, EVP_CTRL_GCM_SET_TAG, TAG_LEN, body + clen) == 1 &&
           EVP_DecryptFinal_ex(k->dec, body + n, &f) == 1 && f == 0;
  args_free(&a);
  if (!ok) {
    /* Nothing of an unauthenticated plaintext is left for the caller. */
    OPENSSL_cleanse(body, clen);
    return fail(env, "gcm: authentication failed");
  }
  return NULL;
}

static napi_value Drop(napi_env env, napi_callback_info info) {
  napi_value self;
  void *k = NULL;
  if (napi_get_cb_info(env, info, NULL, NULL, &self, NULL) != napi_ok || napi_unwrap(env, self, &k) != napi_ok || k == NULL)
    return fail(env, "gcm: not a GcmKey");
  key_drop(k);
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  /* Built against OpenSSL 3 headers: refuse to run over another major version. */
  if ((OpenSSL_version_num() >> 28) != (OPENSSL_VERSION_NUMBER >> 28)) return fail(env, "gcm: the running OpenSSL is not the one built against");
  napi_property_descriptor props[] = {
      {"seal", NULL, Seal, NULL, NULL, NULL, napi_default_method, NULL},
      {"open", NULL, Open, NULL, NULL, NULL, napi_default_method, NULL},
      {"drop", NULL, Drop, NULL, NULL, NULL, napi_default_method, NULL},
  };
  napi_value cls;
  if (napi_define_class(env, "GcmKey", NAPI_AUTO_LENGTH, New, NULL, 3, props, &cls) != napi_ok ||
      napi_set_named_property(env, exports, "GcmKey", cls) != napi_ok)
    return fail(env, "gcm: module set-up failed");
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
