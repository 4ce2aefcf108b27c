// api/launch_body.h: the launch body of POST /api/v1/sessions (SPEC 2.9, plus this
// project's additive fields) turned into a sessions::LaunchRequest. Internal to api/.
//
// Fields that change what runs and that Coven does not implement are refused with 400
// naming the field, never accepted and dropped (SPEC Part A 16). Unknown fields that change
// nothing keep SPEC 2.9's rule: ignored.
#pragma once

#include <boost/json/object.hpp>

#include "core/result.h"
#include "sessions/session_manager.h"

namespace coven::api {

// Errors are kInvalidRequest with a message naming the field and detail "field".
core::Result<sessions::LaunchRequest> ParseLaunchBody(const boost::json::object& body);

}  // namespace coven::api
