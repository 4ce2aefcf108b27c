#include "cli/main.h"

int main(int argc, char** argv) {
  return coven::cli::Main(argc, argv);
}
