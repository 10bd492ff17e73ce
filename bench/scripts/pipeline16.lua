-- wrk: 16 requests per write (pipelined), as in TechEmpower's plaintext.
init = function(args)
  local r = {}
  for i = 1, 16 do
    r[i] = wrk.format(nil, "/")
  end
  req = table.concat(r)
end

request = function()
  return req
end
