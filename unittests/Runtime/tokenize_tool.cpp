//===- tokenize_tool.cpp - drive libmlcrt's tokenizer from scripts --------===//
//
// A small test tool over mlc-c/Tokenizer.h for utils/tokenizer_compare.py.
// Text travels as hex so that any bytes survive the pipes.
//
//   mlc-tokenize-tool DIR encode      stdin: one hex-encoded text per line;
//                                     stdout: "ids<TAB>hex(decode(ids))"
//   mlc-tokenize-tool DIR chat        stdin: one chat per line:
//                                     "GEN THINK ROLE:HEX[:HEX] ..." (the
//                                     optional second hex is the reasoning);
//                                     stdout: "hex(rendered)<TAB>ids"
//   mlc-tokenize-tool DIR bench FILE [REPEAT]
//                                     load time, then encode throughput on
//                                     FILE's bytes (cold and warm cache)
//
// Exits 1 with mlc_last_error() on a library error, 2 on a usage error.
//
//===----------------------------------------------------------------------===//

#include "mlc-c/Tokenizer.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "mlc-tokenize-tool: %s\n", message.c_str());
  std::exit(1);
}

std::string fromHex(const std::string &hex) {
  if (hex.size() % 2)
    die("odd hex length");
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

std::string toHex(const char *bytes, size_t size) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    unsigned char b = static_cast<unsigned char>(bytes[i]);
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

std::vector<int32_t> encode(const mlc_tokenizer *tok, const std::string &text) {
  int32_t *ids;
  size_t n;
  if (mlc_tokenizer_encode(tok, text.data(), text.size(), 0, &ids, &n) !=
      MLC_OK)
    die(mlc_last_error());
  std::vector<int32_t> out(ids, ids + n);
  std::free(ids);
  return out;
}

void printIds(const std::vector<int32_t> &ids) {
  for (size_t i = 0; i < ids.size(); ++i)
    std::cout << (i ? " " : "") << ids[i];
}

int encodeLines(const mlc_tokenizer *tok) {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::vector<int32_t> ids = encode(tok, fromHex(line));
    char *text;
    size_t length;
    if (mlc_tokenizer_decode(tok, ids.data(), ids.size(), 0, &text, &length) !=
        MLC_OK)
      die(mlc_last_error());
    printIds(ids);
    std::cout << '\t' << toHex(text, length) << '\n';
    std::free(text);
  }
  return 0;
}

int chatLines(const mlc_tokenizer *tok) {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream fields(line);
    int gen = 0, think = 1;
    fields >> gen >> think;
    std::vector<std::string> roles, contents, reasonings;
    std::vector<bool> hasReasoning;
    std::string field;
    while (fields >> field) {
      size_t colon = field.find(':');
      size_t second = field.find(':', colon + 1);
      roles.push_back(field.substr(0, colon));
      contents.push_back(fromHex(field.substr(
          colon + 1, second == std::string::npos ? std::string::npos
                                                 : second - colon - 1)));
      hasReasoning.push_back(second != std::string::npos);
      reasonings.push_back(
          second == std::string::npos ? "" : fromHex(field.substr(second + 1)));
    }
    std::vector<mlc_chat_message> messages(roles.size());
    for (size_t i = 0; i < roles.size(); ++i)
      messages[i] = {roles[i].c_str(), contents[i].c_str(),
                     hasReasoning[i] ? reasonings[i].c_str() : nullptr};
    char *text;
    size_t length;
    if (mlc_tokenizer_apply_chat_template(tok, messages.data(), messages.size(),
                                          gen, think, &text, &length) != MLC_OK)
      die(mlc_last_error());
    std::string rendered(text, length);
    std::free(text);
    std::cout << toHex(rendered.data(), rendered.size()) << '\t';
    printIds(encode(tok, rendered));
    std::cout << '\n';
  }
  return 0;
}

double seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
      .count();
}

int bench(const char *dir, const char *file, int repeat) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    die(std::string("cannot open '") + file + "'");
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  auto start = std::chrono::steady_clock::now();
  mlc_tokenizer *tok;
  if (mlc_tokenizer_load(dir, &tok) != MLC_OK)
    die(mlc_last_error());
  double load = seconds(start);
  std::printf("load: %.1f ms\n", load * 1e3);
  for (int r = 0; r < repeat; ++r) {
    start = std::chrono::steady_clock::now();
    std::vector<int32_t> ids = encode(tok, text);
    double t = seconds(start);
    std::printf("encode %s: %zu bytes -> %zu tokens in %.1f ms (%.1f MB/s)\n",
                r == 0 ? "(cold cache)" : "(warm cache)", text.size(),
                ids.size(), t * 1e3,
                static_cast<double>(text.size()) / t / 1e6);
  }
  mlc_tokenizer_free(tok);
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: mlc-tokenize-tool DIR encode|chat|bench "
                         "[FILE [REPEAT]]\n");
    return 2;
  }
  std::string command = argv[2];
  if (command == "bench") {
    if (argc < 4)
      return 2;
    return bench(argv[1], argv[3], argc > 4 ? std::atoi(argv[4]) : 3);
  }
  mlc_tokenizer *tok;
  if (mlc_tokenizer_load(argv[1], &tok) != MLC_OK)
    die(mlc_last_error());
  int rc = 2;
  if (command == "encode")
    rc = encodeLines(tok);
  else if (command == "chat")
    rc = chatLines(tok);
  else
    std::fprintf(stderr, "mlc-tokenize-tool: unknown command '%s'\n",
                 command.c_str());
  mlc_tokenizer_free(tok);
  return rc;
}
