-- Editor events → `editor/event` notifications, named as the Red editor names them. Typing
-- and cursor motion come in bursts, so they are debounced and throttled.
local M = {}

local api = vim.api
local client = require('reloadd.client')

local TEXT_DEBOUNCE_MS = 150
local CURSOR_THROTTLE_MS = 100

local function send(event, data)
  if client.is_running() then
    client.notify('editor/event', { event = event, data = data })
  end
end

local function buffer_data(bufnr)
  return { name = vim.fn.bufname(bufnr), path = api.nvim_buf_get_name(bufnr) }
end

--- Every save is also LSP's `textDocument/didSave`: the daemon reloads the plugins the file
--- belongs to at once, ahead of its file watcher (whose event then changes nothing), and passes
--- over a file no plugin is made of. Sent for every file, as an LSP client sends them: asking
--- the daemon for its plugins folder first would race the first save.
local function tell_saved(bufnr)
  local file = api.nvim_buf_get_name(bufnr)
  if file ~= '' and client.is_running() then
    file = vim.loop.fs_realpath(file) or file
    client.notify('textDocument/didSave', { textDocument = { uri = vim.uri_from_fname(file) } })
  end
end

local text_timer, cursor_timer = nil, nil
local text_buf = nil
local cursor_pending = false

local function cursor_data()
  return require('reloadd.api.text').getCursorPosition()
end

--- Sends the first move at once, then at most one per CURSOR_THROTTLE_MS, always ending with
--- where the cursor came to rest.
local function on_cursor()
  if cursor_timer then
    cursor_pending = true
    return
  end
  send('cursor:moved', cursor_data())
  cursor_timer = vim.loop.new_timer()
  cursor_timer:start(CURSOR_THROTTLE_MS, CURSOR_THROTTLE_MS, vim.schedule_wrap(function()
    if cursor_pending then
      cursor_pending = false
      send('cursor:moved', cursor_data())
    elseif cursor_timer then
      cursor_timer:close()
      cursor_timer = nil
    end
  end))
end

--- One `text:changed` once typing pauses for TEXT_DEBOUNCE_MS (sooner if another buffer changes).
local function on_text(bufnr)
  if text_buf and text_buf ~= bufnr and text_timer then
    send('text:changed', { name = vim.fn.bufname(text_buf) })
  end
  text_buf = bufnr
  if not text_timer then
    text_timer = vim.loop.new_timer()
  end
  text_timer:stop()
  text_timer:start(TEXT_DEBOUNCE_MS, 0, vim.schedule_wrap(function()
    if text_buf and api.nvim_buf_is_valid(text_buf) then
      send('text:changed', { name = vim.fn.bufname(text_buf) })
    end
    text_buf = nil
  end))
end

function M.enable()
  local group = api.nvim_create_augroup('reloadd_events', { clear = true })
  local function on(events, callback)
    api.nvim_create_autocmd(events, { group = group, callback = callback })
  end
  on('BufEnter', function(ev)
    send('buffer:entered', buffer_data(ev.buf))
  end)
  on({ 'TextChanged', 'TextChangedI' }, function(ev)
    on_text(ev.buf)
  end)
  on({ 'CursorMoved', 'CursorMovedI' }, on_cursor)
  on('ModeChanged', function()
    send('mode:changed', { mode = vim.v.event.new_mode })
  end)
  on('BufWritePost', function(ev)
    tell_saved(ev.buf)
    send('file:saved', buffer_data(ev.buf))
  end)
end

function M.disable()
  pcall(api.nvim_del_augroup_by_name, 'reloadd_events')
  for _, timer in ipairs({ text_timer, cursor_timer }) do
    if timer and not timer:is_closing() then
      timer:close()
    end
  end
  text_timer, cursor_timer, text_buf, cursor_pending = nil, nil, nil, false
end

return M
