/*
 * demo.h — loading the demo patients (--demo).
 */
#ifndef SRV_DEMO_H
#define SRV_DEMO_H

#include "server.h"

/* Publishes every demo patient when the store has none of them yet;
 * *loaded says how many. 0, or -1 when one failed. */
int srv_demo_load(srv_server *s, unsigned *loaded);

#endif
