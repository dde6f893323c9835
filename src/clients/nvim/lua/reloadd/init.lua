-- reloadd for Neovim: require('reloadd').setup({ cmd = { 'reloadd' }, plugins = 'DIR' }).
-- Starts (or joins) the daemon, and gives its plugins this editor (lua/reloadd/bridge.lua).
local M = {}

local api = vim.api
local client = require('reloadd.client')
local bridge = require('reloadd.bridge')
local diagnostics = require('reloadd.diagnostics')
local events = require('reloadd.events')
local reloads = require('reloadd.reloads')
local logs = require('reloadd.logs')

local defaults = {
  -- The reloadd executable, and any arguments before the subcommand.
  cmd = { 'reloadd' },
  -- The plugins folder, for a daemon of our own (when none runs for this folder).
  plugins = nil,
  -- <leader>pr, <leader>pR, <leader>ph
  mappings = false,
  -- The daemon's stderr lands in Neovim's LSP log (:lua print(vim.lsp.get_log_path())).
  log_level = 'warn',
  -- More `reloadd serve` options, e.g. { '--state-dir', '.reloadd/state' }.
  serve_args = {},
  -- Longest a plugin's pick() keeps Neovim 0.7 waiting for a choice (see bridge.await).
  -- Below the daemon's --editor-timeout (10 s), so a pick nobody answers returns nil in time.
  pick_timeout_ms = 9000,
  -- Longest Neovim waits for the daemon when it quits.
  shutdown_timeout_ms = 5000,
}

M.config = vim.deepcopy(defaults)

local function with_result(method, params, on_result)
  client.request(method, params, function(err, result)
    if err then
      local message = ('reloadd: %s failed: %s'):format(method, tostring(err.message))
      vim.notify(message, vim.log.levels.ERROR)
    else
      on_result(result)
    end
  end)
end

--- Runs a plugin command (`plugin/executeCommand`); callback(err, result).
function M.execute_command(command, args, callback)
  client.request('plugin/executeCommand', { command = command, args = args or {} }, callback)
end

function M.reload(ids)
  client.request('plugin/reload', { ids = ids }, reloads.reload_answer)
end

function M.reload_all()
  client.request('plugin/reload', { all = true }, reloads.reload_answer)
end

function M.toggle_hot_reload()
  with_result('daemon/status', nil, function(status)
    with_result('daemon/setHotReload', { enabled = not status.hotReload }, function(result)
      vim.notify('reloadd: hot reload ' .. (result.enabled and 'on' or 'off'), vim.log.levels.INFO)
    end)
  end)
end

--- Reloads the plugin whose folder (or file) holds the current file.
function M.reload_current()
  local file = api.nvim_buf_get_name(0)
  with_result('plugin/list', nil, function(result)
    for _, plugin in ipairs(result.plugins) do
      if file == plugin.path or vim.startswith(file, plugin.path .. '/') then
        M.reload({ plugin.id })
        return
      end
    end
    local what = file == '' and 'this buffer' or file
    vim.notify('reloadd: ' .. what .. ' is in no plugin', vim.log.levels.WARN)
  end)
end

--- The lines of :ReloadStatus. Blocks (up to 3 s) so that :redir and nvim_exec capture them.
function M.status_lines()
  local status_err, status = client.request_sync('daemon/status', nil, 3000)
  local list_err, list = client.request_sync('plugin/list', nil, 3000)
  if status_err or list_err then
    return { 'reloadd: ' .. tostring((status_err or list_err).message) }
  end
  local info = client.info()
  local lines = {
    ('reloadd %s (%s, pid %d): hot reload %s, %d plugin%s'):format(
      status.version,
      info.mode == 'connect' and 'shared daemon' or 'own daemon',
      status.pid,
      status.hotReload and 'on' or 'off',
      #list.plugins,
      #list.plugins == 1 and '' or 's'
    ),
  }
  local width = 0
  for _, plugin in ipairs(list.plugins) do
    width = math.max(width, #plugin.id)
  end
  for _, plugin in ipairs(list.plugins) do
    local row = '  %-' .. width .. 's  %-8s  generation %d'
    table.insert(lines, row:format(plugin.id, plugin.status, plugin.generation))
  end
  return lines
end

local function plugin_ids(arg_lead)
  local err, result = client.request_sync('plugin/list', nil, 1000)
  if err or not result then
    return {}
  end
  local ids = {}
  for _, plugin in ipairs(result.plugins) do
    if vim.startswith(plugin.id, arg_lead) then
      table.insert(ids, plugin.id)
    end
  end
  return ids
end

local function create_commands()
  local command = api.nvim_create_user_command
  command('ReloadPlugin', function(opts)
    M.reload(opts.fargs)
  end, { nargs = '+', bar = true, complete = plugin_ids, desc = 'reloadd: reload these plugins' })
  command('ReloadAllPlugins', M.reload_all, {
    nargs = 0,
    bar = true,
    desc = 'reloadd: reload every plugin',
  })
  command('ToggleHotReload', M.toggle_hot_reload, {
    nargs = 0,
    bar = true,
    desc = 'reloadd: hot reload on/off',
  })
  command('ReloadStatus', function()
    api.nvim_echo({ { table.concat(M.status_lines(), '\n') } }, true, {})
  end, { nargs = 0, bar = true, desc = 'reloadd: plugins and hot reload' })
  command('ReloadLogs', logs.open, { nargs = 0, bar = true, desc = "reloadd: the daemon's log" })
end

local function create_mappings()
  local map = vim.keymap.set
  map('n', '<leader>pr', M.reload_current, { desc = 'reloadd: reload this plugin' })
  map('n', '<leader>pR', M.reload_all, { desc = 'reloadd: reload all plugins' })
  map('n', '<leader>ph', M.toggle_hot_reload, { desc = 'reloadd: toggle hot reload' })
end

local function register_handlers()
  bridge.register(require('reloadd.api.text'))
  bridge.register(require('reloadd.api.buffers'))
  bridge.register(require('reloadd.api.ui'))
  client.on_request(bridge.handle)
  client.on_notification('plugin/didReload', reloads.did_reload)
  client.on_notification('plugin/didChangeStatus', reloads.did_change_status)
  client.on_notification('plugin/publishDiagnostics', diagnostics.publish)
  client.on_notification('log/entry', logs.entry)
  client.on_exit(function()
    diagnostics.reset()
    logs.reset()
  end)
end

local function create_autocmds()
  local group = api.nvim_create_augroup('reloadd', { clear = true })
  api.nvim_create_autocmd('VimLeavePre', {
    group = group,
    callback = function()
      M.stop()
    end,
  })
  api.nvim_create_autocmd('BufReadPost', {
    group = group,
    callback = function(ev)
      diagnostics.attach(ev.buf)
    end,
  })
end

--- Starts the daemon (or joins the one running for this folder). setup() calls it.
function M.start()
  local capabilities = { editor = { calls = bridge.methods() } }
  if client.start(M.config, capabilities) then
    events.enable()
  end
end

--- `shutdown` and `exit` (a shared daemon goes on; ours stops).
function M.stop()
  events.disable()
  client.stop(M.config.shutdown_timeout_ms)
end

function M.setup(opts)
  M.config = vim.tbl_extend('force', vim.deepcopy(defaults), opts or {})
  bridge.set_await_timeout(M.config.pick_timeout_ms)
  register_handlers()
  create_commands()
  if M.config.mappings then
    create_mappings()
  end
  create_autocmds()
  M.start()
end

return M
