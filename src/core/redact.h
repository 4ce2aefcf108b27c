// core/redact.h: placeholder, filled in by the redaction work.
#pragma once
