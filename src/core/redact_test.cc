#include "core/redact.h"
