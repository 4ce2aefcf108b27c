// api/errors.h: the one table from core::ErrorCode to HTTP status, and the error envelope of
// SPEC 2.3: {"error":{"code":...,"details":{...},"message":...}} (keys sorted, details
// omitted when empty).
#pragma once

#include "api/http.h"
#include "core/error.h"

namespace coven::api {

int HttpStatusFor(core::ErrorCode code);

// The envelope for `error`, with the status from HttpStatusFor().
Response ErrorResponse(const core::Error& error);

// The envelope with an explicit status (for the few SPEC cases that do not follow the
// table, such as 404 invalid_request for an unsupported API version).
Response ErrorResponseWithStatus(int status, const core::Error& error);

}  // namespace coven::api
