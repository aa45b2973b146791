#ifndef VESTA_COPENSSL_SHIM_H
#define VESTA_COPENSSL_SHIM_H

// OpenSSL 3 libcrypto, as the Encryption target uses it: EVP ciphers and MACs, the
// random generator, the error queue, constant-time comparison and cleansing.
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

/// A new HMAC context whose digest is SHA-256 and which has no key yet, or NULL on failure.
/// Written in C because the parameter list is an array of OSSL_PARAM built from macros.
/// Encryption keeps one as a template and duplicates it per call, so the SHA-256 digest is
/// fetched once per process instead of on every authentication code.
static inline EVP_MAC_CTX *vesta_hmac_sha256_context_new(EVP_MAC *mac) {
    EVP_MAC_CTX *context = EVP_MAC_CTX_new(mac);
    if (context == NULL) {
        return NULL;
    }
    OSSL_PARAM parameters[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_CTX_set_params(context, parameters) != 1) {
        EVP_MAC_CTX_free(context);
        return NULL;
    }
    return context;
}

#endif
