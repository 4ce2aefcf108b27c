#include "api/errors.h"

#include <boost/json.hpp>

namespace coven::api {

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 413:
      return "Payload Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    case 507:
      return "Insufficient Storage";
    default:
      return "OK";
  }
}

int HttpStatusFor(core::ErrorCode code) {
  using core::ErrorCode;
  switch (code) {
    case ErrorCode::kInvalidRequest:
    case ErrorCode::kProjectRootViolation:
      return 400;
    case ErrorCode::kNotFound:
    case ErrorCode::kSessionNotFound:
      return 404;
    case ErrorCode::kSessionNotLive:
    case ErrorCode::kConflict:
    case ErrorCode::kWorktreeNotClean:
      return 409;
    case ErrorCode::kRuntimeUnavailable:
    case ErrorCode::kServerBusy:
      return 503;
    case ErrorCode::kStorageFull:
      return 507;
    case ErrorCode::kPtySpawnFailed:
    case ErrorCode::kInternal:
    case ErrorCode::kIo:
    case ErrorCode::kCorrupt:
      return 500;
  }
  return 500;
}

Response ErrorResponseWithStatus(int status, const core::Error& error) {
  boost::json::object inner;
  inner["code"] = core::ErrorCodeName(error.code);
  if (!error.details.empty()) {
    boost::json::object details;
    for (const auto& [key, value] : error.details) {
      details[key] = value;
    }
    inner["details"] = std::move(details);
  }
  inner["message"] = error.message;
  boost::json::object envelope;
  envelope["error"] = std::move(inner);
  return Response{status, boost::json::serialize(envelope)};
}

Response ErrorResponse(const core::Error& error) {
  return ErrorResponseWithStatus(HttpStatusFor(error.code), error);
}

}  // namespace coven::api
