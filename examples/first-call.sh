#!/bin/sh
# A first call with buf curl (through server reflection): seed an account with 10 000 USD,
# ask whether it may buy 10 AAPL at 185, then read the account's state.
# Usage: examples/first-call.sh [HOST:PORT]   (default 127.0.0.1:50051; run from the repository)
set -e
ADDRESS="${1:-127.0.0.1:50051}"

npx buf curl --protocol grpc --http2-prior-knowledge \
  -d '{"correlationId":"1","commands":[
        {"applyAccountAdjustment":{"accountId":"42","adjustments":[
          {"balance":{"asset":"USD"},"balanceAmount":{"absolute":"10000"}}]}},
        {"executePreTrade":{"order":{"instrument":{"underlyingAsset":"AAPL","settlementAsset":"USD"},
          "accountId":"42","side":"SIDE_BUY","quantity":"10","price":"185"}}}]}' \
  "http://$ADDRESS/openpit.sidecar.v1.AccountChannelService/Open"

npx buf curl --protocol grpc --http2-prior-knowledge -d '{"accountId":"42"}' \
  "http://$ADDRESS/openpit.sidecar.v1.AdminService/GetAccountState"
