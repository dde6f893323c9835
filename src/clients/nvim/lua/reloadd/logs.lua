-- The daemon's log in a scratch buffer (viewLogs, :ReloadLogs): `log/subscribe` replays what
-- the daemon kept, then streams new entries as `log/entry` until the buffer is closed.
local M = {}

local api = vim.api
local client = require('reloadd.client')

local NAME = 'reloadd://log'
local buf = nil

local function format(entry)
  -- "2026-11-22T02:06:22.063Z" → "02:06:22.063" (UTC, as the daemon logs it)
  local time = type(entry.time) == 'string' and entry.time:sub(12, 23) or ''
  local plugin = entry.pluginId and ('[' .. entry.pluginId .. '] ') or ''
  local head = ('%s %-5s %s'):format(time, (entry.level or ''):upper(), plugin)
  local lines = {}
  for i, line in ipairs(vim.split(tostring(entry.message or ''), '\n', true)) do
    table.insert(lines, (i == 1 and head or (' '):rep(#head)) .. line)
  end
  return lines
end

--- `log/entry` notification.
function M.entry(entry)
  if not buf or not api.nvim_buf_is_valid(buf) then
    return
  end
  local lines = format(entry)
  local was_empty = api.nvim_buf_line_count(buf) == 1
    and api.nvim_buf_get_lines(buf, 0, 1, false)[1] == ''
  vim.bo[buf].modifiable = true
  api.nvim_buf_set_lines(buf, was_empty and 0 or -1, -1, false, lines)
  vim.bo[buf].modifiable = false
  -- Follow the end in windows whose cursor was on the last line, as `tail -f` does.
  local last = api.nvim_buf_line_count(buf)
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    if api.nvim_win_get_cursor(win)[1] >= last - #lines then
      api.nvim_win_set_cursor(win, { last, 0 })
    end
  end
end

local function create()
  buf = api.nvim_create_buf(false, true)
  api.nvim_buf_set_name(buf, NAME)
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = 'reloaddlog'
  api.nvim_create_autocmd('BufWipeout', {
    buffer = buf,
    once = true,
    callback = function()
      buf = nil
      client.request('log/unsubscribe', nil)
    end,
  })
  client.request('log/subscribe', { level = 'info' }, function(err)
    if err then
      local message = 'reloadd: could not follow the log: ' .. tostring(err.message)
      vim.notify(message, vim.log.levels.ERROR)
    end
  end)
end

--- Shows the log in a split at the bottom (or goes to the window that already shows it).
function M.open()
  if buf and api.nvim_buf_is_valid(buf) then
    local win = vim.fn.win_findbuf(buf)[1]
    if win then
      api.nvim_set_current_win(win)
      return
    end
  else
    create()
  end
  vim.cmd('botright split')
  api.nvim_win_set_buf(0, buf)
end

--- The daemon went away: the buffer keeps what it showed, nothing more will come.
function M.reset()
  buf = nil
end

return M
