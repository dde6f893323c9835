-- The editor bridge: answers the daemon's `editor/call` requests (plugins asking the editor for
-- something) with the handlers of lua/reloadd/api/*.lua.
local M = {}

local rpc = vim.lsp.rpc
local codes = vim.lsp.protocol.ErrorCodes

local handlers = {}
-- How long a call that waits for the user (pick) may keep Neovim waiting: see M.await.
local await_timeout_ms = 10000

--- Adds handlers: name → function(args) returning the result (nil for null). A handler reports
--- a failure with error('message', 0).
function M.register(table_of_handlers)
  for name, fn in pairs(table_of_handlers) do
    handlers[name] = fn
  end
end

function M.set_await_timeout(ms)
  await_timeout_ms = ms
end

--- The method names to declare in `initialize` (`capabilities.editor.calls`).
function M.methods()
  local names = vim.tbl_keys(handlers)
  table.sort(names)
  return names
end

--- Positional arguments with JSON nulls (vim.NIL inside arrays) turned into nil.
local function unpack_args(args)
  local out = { n = 0 }
  if type(args) ~= 'table' then
    return out
  end
  for i, value in ipairs(args) do
    if value ~= vim.NIL then
      out[i] = value
    end
    out.n = i
  end
  return out
end

--- Waits for `start(resolve)` to call resolve(value), and returns that value.
---
--- Where rpc.lua runs a request handler inside a coroutine (later Neovims), this yields, and the
--- answer is sent when the user has chosen. Neovim 0.7's rpc.lua calls it from a plain scheduled
--- function, whose return value is the answer: there we can only wait in place (vim.wait keeps
--- the event loop running, so a picker that answers from a callback or timer works, and the
--- built-in vim.ui.select answers at once). A picker that needs keystrokes cannot get them then:
--- after `await_timeout_ms` the answer is nil.
function M.await(start)
  local co, is_main = coroutine.running()
  local yieldable = co ~= nil and not is_main
  local done, value, suspended = false, nil, false
  start(function(result)
    if done then
      return
    end
    done, value = true, result
    if suspended then
      vim.schedule(function()
        coroutine.resume(co)
      end)
    end
  end)
  if done then
    return value
  end
  if yieldable then
    suspended = true
    coroutine.yield()
    return value
  end
  vim.wait(await_timeout_ms, function()
    return done
  end, 10)
  return value
end

--- The `server_request` dispatcher of vim.lsp.rpc.start. Its return values are the answer:
--- result (never nil: rpc.lua refuses that, so null is vim.NIL), or nil and an error.
function M.handle(method, params)
  if method ~= 'editor/call' then
    return nil, rpc.rpc_response_error(codes.MethodNotFound, 'neovim does not answer ' .. method)
  end
  local handler = handlers[params.method]
  if not handler then
    return nil,
      rpc.rpc_response_error(
        codes.MethodNotFound,
        ('neovim does not implement "%s"'):format(tostring(params.method))
      )
  end
  local ok, result = pcall(handler, unpack_args(params.args), params)
  if not ok then
    return nil, rpc.rpc_response_error(codes.InternalError, tostring(result))
  end
  -- rpc.lua (0.7) sends no answer at all for a falsy result (nil or false) and raises instead:
  -- null goes as vim.NIL, and so does false, the nearest value it can send.
  if result == nil or result == false then
    return vim.NIL
  end
  return result
end

return M
