#!/usr/bin/env node
require("./run-native.js")("coven");
