-- `plugin/publishDiagnostics` → vim.diagnostic. Each notification is a plugin's whole list, so
-- the plugin's previous list is replaced, on every file it named before or names now. Several
-- plugins may report on one file (a shared module), so a buffer shows all of theirs.
local M = {}

local api = vim.api

M.namespace = api.nvim_create_namespace('reloadd')

local severities = {
  error = vim.diagnostic.severity.ERROR,
  warning = vim.diagnostic.severity.WARN,
  info = vim.diagnostic.severity.INFO,
}

local by_plugin = {} -- pluginId → { [bufnr] = { protocol Diagnostic, ... } }
local shown_fileless = {} -- pluginId → { [code .. message] = true }

--- The protocol counts UTF-16 code units, vim.diagnostic bytes. The line is needed to convert,
--- so an unloaded buffer keeps the raw column until it is read (see M.attach).
local function byte_col(bufnr, lnum, character)
  if not api.nvim_buf_is_loaded(bufnr) then
    return character
  end
  local line = api.nvim_buf_get_lines(bufnr, lnum, lnum + 1, false)[1]
  if not line then
    return character
  end
  local ok, col = pcall(vim.str_byteindex, line, character, true)
  return ok and col or #line
end

local function convert(bufnr, d)
  local origin = { line = 0, character = 0 }
  local range = d.range or { start = origin, ['end'] = origin }
  local s, e = range.start, range['end']
  return {
    lnum = s.line,
    col = byte_col(bufnr, s.line, s.character),
    end_lnum = e.line,
    end_col = byte_col(bufnr, e.line, e.character),
    severity = severities[d.severity] or vim.diagnostic.severity.ERROR,
    message = d.message,
    source = 'reloadd',
    code = d.code,
    user_data = { pluginId = d.pluginId, codeFrame = d.codeFrame },
  }
end

local function refresh(bufnr)
  if not api.nvim_buf_is_valid(bufnr) then
    return
  end
  local merged = {}
  for _, files in pairs(by_plugin) do
    for _, d in ipairs(files[bufnr] or {}) do
      table.insert(merged, convert(bufnr, d))
    end
  end
  vim.diagnostic.set(M.namespace, bufnr, merged)
end

--- Diagnostics about no file (a crashed host, a leak after unload): a message, once each.
local function notify_fileless(plugin_id, list)
  local before = shown_fileless[plugin_id] or {}
  local now = {}
  for _, d in ipairs(list) do
    local key = tostring(d.code) .. tostring(d.message)
    now[key] = true
    if not before[key] then
      local level = d.severity == 'error' and vim.log.levels.ERROR
        or d.severity == 'warning' and vim.log.levels.WARN
        or vim.log.levels.INFO
      vim.notify(('reloadd: [%s] %s'):format(plugin_id, d.message), level)
    end
  end
  shown_fileless[plugin_id] = now
end

function M.publish(params)
  local plugin_id = params.pluginId
  if type(plugin_id) ~= 'string' then
    return
  end
  local old = by_plugin[plugin_id] or {}
  local new, fileless = {}, {}
  for _, d in ipairs(params.diagnostics or {}) do
    if type(d.file) == 'string' then
      local bufnr = vim.fn.bufadd(d.file)
      new[bufnr] = new[bufnr] or {}
      table.insert(new[bufnr], d)
    else
      table.insert(fileless, d)
    end
  end
  by_plugin[plugin_id] = next(new) and new or nil
  local touched = vim.tbl_extend('force', {}, old, new)
  for bufnr in pairs(touched) do
    refresh(bufnr)
  end
  notify_fileless(plugin_id, fileless)
end

--- A buffer we hold diagnostics for was read: columns can be converted now, and Neovim drops a
--- buffer's diagnostics when it is unloaded, so they are set again.
function M.attach(bufnr)
  for _, files in pairs(by_plugin) do
    if files[bufnr] then
      refresh(bufnr)
      return
    end
  end
end

--- The daemon is gone: what it reported no longer holds.
function M.reset()
  by_plugin, shown_fileless = {}, {}
  vim.diagnostic.reset(M.namespace)
end

return M
