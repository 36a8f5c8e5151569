-- bench/post.lua: wrk script posting distinct citizen messages (bench/http.sh).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, '{"consultation_id":2,"title":"路灯不亮' .. n .. '","body":"小区门口的路灯已经坏了一周，晚上很黑，请尽快维修。编号' .. n .. '","type":"投诉"}')
end
