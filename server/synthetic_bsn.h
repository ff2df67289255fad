/*
 * synthetic_bsn.h — the BSNs of synthetic patients, shared by the bulk loader
 * (server/load.c) and the load generator (tests/bench/tls_load.c), so that
 * both number patients the same way.
 */
#ifndef SRV_SYNTHETIC_BSN_H
#define SRV_SYNTHETIC_BSN_H

#include <stdio.h>

/* A 9-digit BSN that passes the 11-check, unique per seq < 9 000 000:
 * 1 000 000 + seq as the first seven digits, the eighth chosen so that the
 * check digit is 0..9. */
static inline void srv_synthetic_bsn(unsigned long seq, char out[10])
{
    snprintf(out, 10, "%07lu", 1000000UL + seq % 9000000UL);
    for (int d8 = 0; d8 < 10; d8++) {
        long sum = 0;
        out[7] = (char)('0' + d8);
        for (int i = 0; i < 8; i++)
            sum += (9 - i) * (out[i] - '0');
        if (sum % 11 < 10) {
            out[8] = (char)('0' + sum % 11);
            out[9] = '\0';
            return;
        }
    }
}

#endif
