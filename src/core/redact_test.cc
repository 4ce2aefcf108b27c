#include "core/redact.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace coven::core {
namespace {

struct Case {
  const char* name;
  std::string in;
  std::string want;
};

// Realistic-looking (fake) secrets.
const std::string openai_key = "sk-abcdefghij0123456789ABCDEFGHIJklmn";
const std::string openai_proj_key = "sk-proj-Ab3dEf6hIj9kLmN0pQrStUvWxYz_12-3456";
const std::string anthropic_key = "sk-ant-api03-AbCdEf0123456789GhIjKlMnOpQrStUv-wxyz_AA";
const std::string ghp_token = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
const std::string github_pat = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz";
const std::string aws_key_id = "AKIAIOSFODNN7EXAMPLE";
const std::string slack_token = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
const std::string google_key = "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW";
const std::string jwt_token =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";

// Given each kind of secret, we should replace it with its marker and keep the rest.
TEST(RedactTest, RedactsEachKind) {
  const std::vector<Case> cases = {
      {"openai", "key " + openai_key + " end", "key [REDACTED:openai-key] end"},
      {"openai proj", "export OPENAI=" + openai_proj_key + "\n",
       "export OPENAI=[REDACTED:openai-key]\n"},
      {"anthropic", "(" + anthropic_key + ")", "([REDACTED:anthropic-key])"},
      {"github ghp", ghp_token, "[REDACTED:github-token]"},
      {"github gho", "gho_" + ghp_token.substr(4), "[REDACTED:github-token]"},
      {"github ghu", "x ghu_" + ghp_token.substr(4), "x [REDACTED:github-token]"},
      {"github ghs", "ghs_" + ghp_token.substr(4) + ".", "[REDACTED:github-token]."},
      {"github ghr", "ghr_" + ghp_token.substr(4), "[REDACTED:github-token]"},
      {"github pat", "url/" + github_pat + "@h", "url/[REDACTED:github-token]@h"},
      {"aws", "id=" + aws_key_id + ",", "id=[REDACTED:aws-access-key-id],"},
      {"aws asia", "ASIAY34FZKBOKMUTVV7A", "[REDACTED:aws-access-key-id]"},
      {"slack", "t " + slack_token, "t [REDACTED:slack-token]"},
      {"google", "k:" + google_key, "k:[REDACTED:google-api-key]"},
      {"jwt", "jwt " + jwt_token + " ok", "jwt [REDACTED:jwt] ok"},
      {"jwt unsigned", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0In0. x", "[REDACTED:jwt]. x"},
      {"authorization", "Authorization: Basic dXNlcjpwYXNz\r\nHost: x",
       "Authorization: [REDACTED:authorization]\r\nHost: x"},
      {"authorization lower", "authorization:token abc\n",
       "authorization:[REDACTED:authorization]\n"},
      {"authorization curl", "curl -H \"Authorization: Bearer abc123def456ghi789\" https://x",
       "curl -H \"Authorization: [REDACTED:authorization]\" https://x"},
      {"authorization json", R"({"authorization": "Bearer abc"})",
       R"({"authorization": "[REDACTED:authorization]"})"},
      {"proxy authorization", "Proxy-Authorization: Digest xyz",
       "Proxy-Authorization: [REDACTED:authorization]"},
      {"bearer", "using Bearer abcDEF123456ghiJKL789= now",
       "using Bearer [REDACTED:bearer-token] now"},
      {"bearer jwt", "bearer " + jwt_token, "bearer [REDACTED:bearer-token]"},
      {"pem", "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nAAA=\n-----END RSA PRIVATE KEY-----\nb",
       "a\n[REDACTED:private-key]\nb"},
      {"pem openssh",
       "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----",
       "[REDACTED:private-key]"},
      {"pem generic", "x -----BEGIN PRIVATE KEY-----\nMC4CAQ\n-----END PRIVATE KEY----- y",
       "x [REDACTED:private-key] y"},
      {"pem no end", "k:\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\nmore\n",
       "k:\n[REDACTED:private-key]"},
      {"password", "password=hunter22 next", "password=[REDACTED:password] next"},
      {"password colon", "Password: correct-horse", "Password: [REDACTED:password]"},
      {"passwd", "PASSWD:abc123;x", "PASSWD:[REDACTED:password];x"},
      {"secret", "secret=s3cr3t&b=1", "secret=[REDACTED:secret]&b=1"},
      {"token", "?token=abcdef&page=2", "?token=[REDACTED:token]&page=2"},
      {"api_key", "api_key=zzz999", "api_key=[REDACTED:api-key]"},
      {"apikey", "APIKEY=zzz999", "APIKEY=[REDACTED:api-key]"},
      {"x-api-key header", "X-Api-Key: abcd1234", "X-Api-Key: [REDACTED:api-key]"},
      {"access_key", "aws_secret_access_key = \"wJalrXUtnFEMI/K7MDENG\"",
       "aws_secret_access_key = \"[REDACTED:secret]\""},
      {"client_secret", "client_secret='a b c'", "client_secret='[REDACTED:secret]'"},
      {"env var suffix", "GITHUB_TOKEN=abc123 make", "GITHUB_TOKEN=[REDACTED:token] make"},
      {"dotted key", "db.password=pa55", "db.password=[REDACTED:password]"},
      {"cli flag", "--password=pa55word", "--password=[REDACTED:password]"},
      {"json", R"({"password":"p@ss w0rd","user":"bob"})",
       R"({"password":"[REDACTED:password]","user":"bob"})"},
      {"json spaced", R"("api_key": "abc")", R"("api_key": "[REDACTED:api-key]")"},
      {"yaml", "  token: ghx-not-a-known-prefix-but-a-token\n", "  token: [REDACTED:token]\n"},
      {"ansi coloured", "\x1b[1mpassword=\x1b[0mhunter22", "\x1b[1mpassword=\x1b[0mhunter22"},
      {"ansi before key", "\x1b[32mtoken=abc123\x1b[0m", "\x1b[32mtoken=[REDACTED:token]\x1b[0m"},
      {"ansi before token", "\x1b[33m" + ghp_token + "\x1b[0m",
       "\x1b[33m[REDACTED:github-token]\x1b[0m"},
      {"several", "a=" + aws_key_id + " b=" + openai_key,
       "a=[REDACTED:aws-access-key-id] b=[REDACTED:openai-key]"},
      {"unterminated quote", "token=\"abcdef", "token=\"[REDACTED:token]"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(RedactSecrets(c.in), c.want) << c.name;
  }
}

// Given ordinary text, we should return it byte for byte.
TEST(RedactTest, LeavesOrdinaryTextAlone) {
  const std::vector<std::string> cases = {
      "",
      "The quick brown fox jumps over the lazy dog.",
      "sk-",
      "sk- alone",
      "skip-this",
      "ask-me-anything-about-the-long-hyphenated-words",
      "the token bucket refills every second",
      "tokens=5 max_tokens: 4096 token_count=7",
      "password: ",
      "password:\n  next line",
      "password=",
      "token=5",
      "Password: abc",
      "the secret of success",
      "if token == expected: pass",
      "auth::token::Refresh()",
      "password = read_password()",
      "bearer of bad news who carries everything",
      "Bearer short",
      "Authorization: ",
      "\x1b[31mred\x1b[0m \x1b[2J\x1b[H\x1b[?25l\x1b]0;title\x07",
      "h\xC3\xA9llo w\xC3\xB6rld \xE2\x9C\x93 \xF0\x9F\x98\x80 \xE6\x97\xA5\xE6\x9C\xAC",
      "invalid \xff\xfe bytes",
      "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
      "commit 3f786850e387550fdab836ed7e6dc881de23001b",
      "AKIA1234",
      "AKIAIOSFODNN7EXAMPLEX",
      "ghp_short1",
      "xoxb-short",
      "eyJhbGciOiJIUzI1NiJ9 alone",
      "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
      "[REDACTED:openai-key] and password=[REDACTED:password]",
  };
  for (const auto& in : cases) {
    EXPECT_EQ(RedactSecrets(in), in);
  }
}

// Given redacted output, redacting it again should change nothing.
TEST(RedactTest, IsIdempotent) {
  const std::vector<std::string> inputs = {
      "key " + openai_key + " and " + anthropic_key + " and " + jwt_token,
      "Authorization: Bearer " + jwt_token + "\npassword=\"x y\" token='abc'",
      "-----BEGIN RSA PRIVATE KEY-----\nAAA\n-----END RSA PRIVATE KEY-----token=abcdef",
      "token=\"abcdef\n" + ghp_token + " secret: " + slack_token,
      "Bearer abcDEF123456ghiJKL789=, api_key=" + google_key,
      "\x1b[1m" + aws_key_id + "\x1b[0mpassword=abc",
  };
  for (const auto& in : inputs) {
    std::string once = RedactSecrets(in);
    EXPECT_NE(once, in);
    EXPECT_EQ(RedactSecrets(once), once) << once;
  }
}

// Given a large input made of near-misses, we should finish (linear time, no regex).
TEST(RedactTest, HandlesPathologicalInput) {
  std::string in;
  for (int k = 0; k < 5000; ++k) {
    in += "a.token='token=\"eyJxxxxxxxxxxxx.eyJyyyyyyyyyyyy-----BEGIN x.";
  }
  std::string out = RedactSecrets(in);
  EXPECT_EQ(RedactSecrets(out), out);
  EXPECT_FALSE(out.empty());
}

}  // namespace
}  // namespace coven::core
