-- The connection to the daemon: spawns `reloadd serve --stdio` (or `connect --stdio` when a
-- daemon already runs for this folder), does the LSP handshake, and routes messages.
local M = {}

local uv = vim.loop
local bit = require('bit')

local state = {
  rpc = nil,
  -- 'stopped' | 'starting' (initialize sent) | 'running' | 'stopping' (shutdown sent)
  phase = 'stopped',
  mode = nil, -- 'serve' | 'connect'
  -- Requests made before the handshake is over, sent once it is.
  queue = {},
  notification_handlers = {},
  request_handler = nil,
  exit_handlers = {},
  exited = false,
}

-- Others than the owner may write it: its group or anyone (0o022).
local WRITABLE_BY_OTHERS = 18

local function octal(mode)
  return ('0%03o'):format(bit.band(mode, 4095))
end

--- Why a discovery file's folder is not to be trusted, or nil: as `judgeOwnFolder` in
--- src/transport/discoveryTrust.ts decides it.
local function folder_distrust(folder, uid)
  if folder.type == 'link' then
    return 'its folder is a symbolic link'
  elseif folder.type ~= 'directory' then
    return 'its folder is not a folder'
  elseif folder.uid ~= uid then
    return ('its folder is owned by uid %d, not you'):format(folder.uid)
  elseif bit.band(folder.mode, WRITABLE_BY_OTHERS) ~= 0 then
    return ('others may write its folder (mode %s)'):format(octal(folder.mode))
  end
end

--- Why a discovery file is not to be trusted, or nil: whoever may write it chooses where the
--- client connects. The same checks, in the same order, as `judgeOwnFile` (lstat: no link followed).
local function file_distrust(folder, file, uid)
  if file.type == 'link' then
    return 'it is a symbolic link'
  elseif file.type ~= 'file' then
    return 'it is not a regular file'
  elseif file.uid ~= uid then
    return ('owned by uid %d, not you'):format(file.uid)
  end
  local of_folder = folder_distrust(folder, uid)
  if of_folder then
    return of_folder
  elseif bit.band(file.mode, WRITABLE_BY_OTHERS) ~= 0 then
    return ('others may write it (mode %s)'):format(octal(file.mode))
  end
end

--- The discovery file of a live daemon serving `dir` or one of its parents, or nil; and the
--- files passed over on the way, each as `skipped <file>: <reason>`.
function M.find_daemon_file(dir)
  local uid = uv.getuid()
  local skipped = {}
  dir = vim.fn.fnamemodify(dir, ':p'):gsub('/$', '')
  while true do
    local file = dir .. '/.reloadd/daemon.json'
    local folder = uv.fs_lstat(dir .. '/.reloadd')
    local stat, _, err = nil, nil, nil
    if folder then
      stat, _, err = uv.fs_lstat(file)
    end
    -- Another user's folder we may not look into is theirs, whatever it holds.
    local distrust = (stat and file_distrust(folder, stat, uid))
      or (folder and err == 'EACCES' and folder_distrust(folder, uid))
    if distrust then
      table.insert(skipped, ('skipped %s: %s'):format(file, distrust))
    elseif stat then
      local fd = io.open(file, 'r')
      if fd then
        local ok, info = pcall(vim.json.decode, fd:read('*a'))
        fd:close()
        -- A file left by a daemon that died would make `connect` fail: start our own instead.
        local live = ok and type(info) == 'table' and type(info.pid) == 'number'
          and uv.kill(info.pid, 0) == 0
        if live then
          return file, skipped
        end
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir or dir == '' then
      return nil, skipped
    end
    dir = parent
  end
end

--- What to run: `<cmd> connect --stdio` next to a running daemon, else `<cmd> serve --stdio`.
function M.command_line(config, cwd)
  local cmd = vim.deepcopy(config.cmd)
  local args = {}
  for i = 2, #cmd do
    table.insert(args, cmd[i])
  end
  local daemon_file, skipped = M.find_daemon_file(cwd)
  for _, line in ipairs(skipped) do
    vim.notify('reloadd: ' .. line, vim.log.levels.WARN)
  end
  if daemon_file then
    vim.list_extend(args, { 'connect', '--stdio' })
    return cmd[1], args, 'connect'
  end
  if not config.plugins then
    return nil, 'no daemon runs for this folder and setup() was given no `plugins` folder to serve'
  end
  vim.list_extend(args, { 'serve', '--stdio', '--plugins', vim.fn.expand(config.plugins) })
  if config.log_level then
    -- The daemon's stderr goes to Neovim's LSP log: keep it to what matters.
    vim.list_extend(args, { '--log-level', config.log_level })
  end
  vim.list_extend(args, config.serve_args or {})
  return cmd[1], args, 'serve'
end

function M.on_notification(method, handler)
  state.notification_handlers[method] = handler
end

function M.on_request(handler)
  state.request_handler = handler
end

--- Called (scheduled) with the exit code when the daemon process ends.
function M.on_exit(handler)
  table.insert(state.exit_handlers, handler)
end

function M.is_running()
  return state.phase == 'running'
end

function M.info()
  return { phase = state.phase, mode = state.mode, pid = state.rpc and state.rpc.pid }
end

local function send(method, params, callback)
  if not state.rpc or not state.rpc.request(method, params, callback) then
    callback({ code = -32099, message = 'the daemon is not running' }, nil)
  end
end

--- Sends a request; `callback(err, result)` runs on the main loop. Waits for the handshake.
function M.request(method, params, callback)
  callback = callback or function() end
  if state.phase == 'starting' then
    table.insert(state.queue, function()
      M.request(method, params, callback)
    end)
  elseif state.phase == 'running' or (state.phase == 'stopping' and method == 'shutdown') then
    send(method, params or vim.empty_dict(), callback)
  else
    callback({ code = -32099, message = 'the daemon is not running' }, nil)
  end
end

--- The same, blocking (while Neovim goes on handling events) up to `timeout_ms`.
--- Returns err, result; err.message is 'timeout' when no answer came in time.
function M.request_sync(method, params, timeout_ms)
  local done, err, result = false, nil, nil
  M.request(method, params, function(e, r)
    done, err, result = true, e, r
  end)
  if not vim.wait(timeout_ms or 5000, function()
    return done
  end, 10) then
    return { code = -32098, message = 'timeout' }, nil
  end
  return err, result
end

function M.notify(method, params)
  if state.phase == 'running' and state.rpc then
    state.rpc.notify(method, params or vim.empty_dict())
  end
end

local function handshake(capabilities)
  local version = vim.version()
  local params = {
    processId = vim.fn.getpid(),
    clientInfo = {
      name = 'neovim',
      version = string.format('%d.%d.%d', version.major, version.minor, version.patch),
    },
    protocolVersion = '1.0',
    capabilities = capabilities,
    -- It shows reloads and the log itself: LSP's window messages would say it twice.
    initializationOptions = { notifications = false, logMessages = false },
  }
  send('initialize', params, function(err)
    if err then
      vim.notify('reloadd: initialize was refused: ' .. tostring(err.message), vim.log.levels.ERROR)
      M.stop(0)
      return
    end
    state.phase = 'running'
    state.rpc.notify('initialized', vim.empty_dict())
    local queue = state.queue
    state.queue = {}
    for _, run in ipairs(queue) do
      run()
    end
  end)
end

--- Starts the daemon (or the bridge to a running one). `capabilities` goes in `initialize`.
function M.start(config, capabilities)
  if state.phase ~= 'stopped' then
    return true
  end
  local cwd = vim.fn.getcwd()
  local cmd, args, mode = M.command_line(config, cwd)
  if not cmd then
    vim.notify('reloadd: ' .. args, vim.log.levels.ERROR)
    return false
  end
  state.exited = false
  local rpc = vim.lsp.rpc.start(cmd, args, {
    notification = function(method, params)
      local handler = state.notification_handlers[method]
      if handler then
        handler(params or {})
      end
    end,
    server_request = function(method, params)
      if state.request_handler then
        return state.request_handler(method, params or {})
      end
      return nil, vim.lsp.rpc.rpc_response_error(vim.lsp.protocol.ErrorCodes.MethodNotFound)
    end,
    on_error = function(code, err)
      -- A response to a request we gave up on is not worth a message.
      if code ~= vim.lsp.rpc.client_errors.NO_RESULT_CALLBACK_FOUND then
        local kind = vim.lsp.rpc.client_errors[code] or tostring(code)
        vim.notify(('reloadd: %s: %s'):format(kind, vim.inspect(err)), vim.log.levels.WARN)
      end
    end,
    -- Runs in a libuv callback (rpc.lua does not schedule this one).
    on_exit = function(code, signal)
      vim.schedule(function()
        local was = state.phase
        state.rpc = nil
        state.phase = 'stopped'
        state.exited = true
        local queue = state.queue
        state.queue = {}
        for _, run in ipairs(queue) do
          run() -- each now answers "not running"
        end
        if was ~= 'stopping' then
          local how = signal ~= 0 and (', signal ' .. signal) or ''
          local message = ('reloadd: the daemon exited (code %s%s)'):format(code, how)
          if was == 'starting' then
            -- It never answered: what it said is on its stderr, which rpc.lua logs.
            message = message .. '; its messages are in ' .. vim.lsp.get_log_path()
          end
          vim.notify(message, vim.log.levels.WARN)
        end
        for _, handler in ipairs(state.exit_handlers) do
          handler(code)
        end
      end)
    end,
  }, { cwd = cwd })
  if not rpc then
    return false -- rpc.start has told the user why
  end
  state.rpc = rpc
  state.mode = mode
  state.phase = 'starting'
  handshake(capabilities)
  return true
end

--- `shutdown`, then `exit`, waiting up to `timeout_ms` for each step. Blocks: meant for
--- VimLeavePre, where nothing asynchronous would run any more.
function M.stop(timeout_ms)
  if state.phase == 'stopped' or not state.rpc then
    return
  end
  timeout_ms = timeout_ms or 5000
  local rpc = state.rpc
  if state.phase == 'running' then
    state.phase = 'stopping'
    M.request_sync('shutdown', nil, timeout_ms)
  end
  state.phase = 'stopping'
  rpc.notify('exit', vim.empty_dict())
  -- Wait for the process to end so the `exit` is surely written and nothing is left behind.
  if not vim.wait(timeout_ms, function()
    return state.exited
  end, 10) then
    pcall(function()
      rpc.handle:kill('sigterm')
    end)
  end
end

return M
