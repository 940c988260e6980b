"""The Lua scripts that make each Redis session store operation one atomic round trip.

Redis runs a script to completion before any other command, so each script's check-then-write
(exists? lease ours? seq in order?) cannot interleave with another client's. Every script
receives the five keys of one session, which share a {hash tag} and so one cluster slot:

    KEYS[1] meta    hash: seq, pack (absent for no pack), wid (last applied write id)
    KEYS[2] msgs    list of message JSON, newest last, trimmed to max_history
    KEYS[3] frames  list of frame JSON, seq ascending, trimmed to max_frames
    KEYS[4] lease   string: the turn id holding the session, with its own PX lifetime
    KEYS[5] born    tombstone "1", living ttl + tombstone_ttl, to tell expired from never seen

ARGV[1] is the session TTL and ARGV[2] the tombstone's, both in seconds. Every script that
finds the session refreshes both on all keys (`touch`). Replies start with a status:
OK, NOTFOUND, EXPIRED, BUSY, LOST or BADSEQ.
"""

from __future__ import annotations

_PRELUDE = """
local meta, msgs, frames, lease, born = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]

local function touch()
  redis.call('EXPIRE', meta, ARGV[1])
  redis.call('EXPIRE', msgs, ARGV[1])
  redis.call('EXPIRE', frames, ARGV[1])
  redis.call('SET', born, '1', 'EX', ARGV[2])
end

local function absent()
  if redis.call('EXISTS', born) == 1 then return {'EXPIRED'} end
  return {'NOTFOUND'}
end

local function info()
  local m = redis.call('HMGET', meta, 'pack', 'seq')
  return {'OK', m[1], m[2]}
end
"""

# ARGV[3] '1' when ARGV[4] holds a pack version.
CREATE = (
    _PRELUDE
    + """
if redis.call('EXISTS', meta) == 0 then
  redis.call('DEL', msgs, frames, lease)
  redis.call('HSET', meta, 'seq', '0')
  if ARGV[3] == '1' then redis.call('HSET', meta, 'pack', ARGV[4]) end
end
touch()
return info()
"""
)

GET = (
    _PRELUDE
    + """
if redis.call('EXISTS', meta) == 0 then return absent() end
touch()
return info()
"""
)

# ARGV[3] max_history, ARGV[4] turn id, ARGV[5] lease ms, ARGV[6] the user message.
# The turn that already holds the lease gets the state back without a second user message,
# so a client retry after a lost reply is harmless.
BEGIN_TURN = (
    _PRELUDE
    + """
if redis.call('EXISTS', meta) == 0 then return absent() end
if redis.call('SET', lease, ARGV[4], 'NX', 'PX', ARGV[5]) then
  redis.call('RPUSH', msgs, ARGV[6])
  redis.call('LTRIM', msgs, -tonumber(ARGV[3]), -1)
elseif redis.call('GET', lease) ~= ARGV[4] then
  return {'BUSY'}
end
touch()
local reply = info()
reply[4] = redis.call('LRANGE', msgs, 0, -1)
return reply
"""
)

# ARGV[3] max_history, ARGV[4] max_frames, ARGV[5] turn id, ARGV[6] lease ms to renew it for,
# or '0' to release it, ARGV[7] write id, ARGV[8]/ARGV[9] first/last frame seq ('' if no
# frames), ARGV[10] message count n, then n messages, then the frames.
# The write id makes a client retry after a lost reply a no-op instead of a duplicate.
WRITE = (
    _PRELUDE
    + """
if redis.call('HGET', meta, 'wid') == ARGV[7] then return {'OK'} end
if redis.call('GET', lease) ~= ARGV[5] then return {'LOST'} end
if redis.call('EXISTS', meta) == 0 then return absent() end
if ARGV[8] ~= '' then
  local seq = redis.call('HGET', meta, 'seq')
  if tonumber(ARGV[8]) <= tonumber(seq) then return {'BADSEQ', seq} end
  redis.call('HSET', meta, 'seq', ARGV[9])
end
local function push(key, first, last, keep)
  for i = first, last, 500 do
    redis.call('RPUSH', key, unpack(ARGV, i, math.min(i + 499, last)))
  end
  redis.call('LTRIM', key, -keep, -1)
end
local n = tonumber(ARGV[10])
push(msgs, 11, 10 + n, tonumber(ARGV[3]))
push(frames, 11 + n, #ARGV, tonumber(ARGV[4]))
if ARGV[6] == '0' then
  redis.call('DEL', lease)
else
  redis.call('PEXPIRE', lease, ARGV[6])
end
redis.call('HSET', meta, 'wid', ARGV[7])
touch()
return {'OK'}
"""
)

# ARGV[3] after_seq. Scans back from the newest frame and stops at the first one not after.
FRAMES_AFTER = (
    _PRELUDE
    + """
if redis.call('EXISTS', meta) == 0 then return absent() end
touch()
local after = tonumber(ARGV[3])
local out = {}
if tonumber(redis.call('HGET', meta, 'seq')) <= after then return {'OK', out} end
local all = redis.call('LRANGE', frames, 0, -1)
local first = #all + 1
for i = #all, 1, -1 do
  if cjson.decode(all[i]).seq <= after then break end
  first = i
end
for i = first, #all do out[#out + 1] = all[i] end
return {'OK', out}
"""
)
