# apisec_limit across workers: 4 worker processes, 64 parallel connections
# on one key; the admitted count stays within the algorithm's exact bound
# for the time the client measured (t/lib/ApisecLimit.pm), so no worker
# ever admits what another one already used.

use lib 't/lib';
use Test::Apisec 'no_plan';
use ApisecLimit;

add_response_body_check(\&ApisecLimit::check_block);

workers(4);
master_on();
worker_connections(1024);
no_shuffle();
run_tests();

__DATA__

=== TEST 1: 64 connections x 8 pipelined requests, rate=10r/s burst=20 nodelay
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=10r/s;
--- config
    location /api {
        apisec_limit zone=one burst=20 nodelay;
        empty_gif;
    }
    location /ping { empty_gif; }
--- request
GET /ping
--- fire
{ path => '/api', n => 8, conns => 64, rate => 10, burst => 20 }
--- error_code: 200



=== TEST 2: 64 connections x 4 requests, no burst, then again after 300 ms
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=10r/s;
--- config
    location /api {
        apisec_limit zone=one;
        empty_gif;
    }
    location /ping { empty_gif; }
--- request
GET /ping
--- fire
{ path => '/api', n => 4, conns => 64, rate => 10, burst => 0,
  rounds => [300] }
--- error_code: 200



=== TEST 3: 64 connections, two limits on one location, 1000r/s burst=100
--- http_config
    apisec_limit_zone $http_x_user zone=one:1m rate=1000r/s;
    apisec_limit_zone $http_x_user zone=two:1m rate=60000r/m;
--- config
    location /api {
        apisec_limit zone=one burst=100 nodelay;
        apisec_limit zone=two burst=100 nodelay;
        empty_gif;
    }
    location /ping { empty_gif; }
--- request
GET /ping
--- fire
{ path => '/api', n => 16, conns => 64, rate => 1000, burst => 100 }
--- error_code: 200
