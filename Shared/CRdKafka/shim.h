#ifndef GIAMNGHEO_CRDKAFKA_SHIM_H
#define GIAMNGHEO_CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#endif
