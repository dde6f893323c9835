-- editor/call handlers that show something: pickers, overlays (floating windows), the log.
local M = {}

local api = vim.api
local bridge = require('reloadd.bridge')
local client = require('reloadd.client')

local function string_list(values, name)
  if type(values) ~= 'table' then
    error(name .. ' must be an array of strings', 0)
  end
  local out = {}
  for _, value in ipairs(values) do
    table.insert(out, type(value) == 'string' and value or vim.json.encode(value))
  end
  return out
end

--- The chosen value, or nil when the user cancels.
function M.pick(args)
  local title, values = args[1], string_list(args[2], 'values')
  return bridge.await(function(resolve)
    vim.ui.select(values, { prompt = title }, function(choice)
      resolve(choice)
    end)
  end)
end

--- Answers at once; the choice comes later as the event `picker:selected:<id>`.
function M.openPicker(args)
  local title, id, values = args[1], args[2], string_list(args[3], 'values')
  -- Scheduled: the built-in vim.ui.select blocks until the user chooses, and the call is
  -- answered now.
  vim.schedule(function()
    vim.ui.select(values, { prompt = title }, function(choice)
      local event = 'picker:selected:' .. tostring(id)
      client.notify('editor/event', { event = event, data = choice or vim.NIL })
    end)
  end)
end

local overlays = {} -- id → { win, buf, title }

local function overlay_lines(overlay, lines)
  if overlay.title then
    table.insert(lines, 1, overlay.title)
  end
  return lines
end

--- A floating window. config: x, y (editor cells), width, height, title. Neovim 0.7 floats
--- have no title, so a title is the first line, highlighted.
function M.createOverlay(args)
  local id, config = args[1], args[2] or {}
  if id == nil then
    error('createOverlay needs an id', 0)
  end
  id = tostring(id)
  M.removeOverlay({ id })
  local title = type(config.title) == 'string' and config.title or nil
  local buf = api.nvim_create_buf(false, true)
  local win = api.nvim_open_win(buf, false, {
    relative = 'editor',
    row = tonumber(config.y) or 1,
    col = tonumber(config.x) or 1,
    width = math.max(1, tonumber(config.width) or 40),
    height = math.max(1, tonumber(config.height) or 10),
    style = 'minimal',
    border = 'rounded',
    focusable = false,
    noautocmd = true,
  })
  overlays[id] = { win = win, buf = buf, title = title }
  api.nvim_buf_set_lines(buf, 0, -1, false, overlay_lines(overlays[id], {}))
  if title then
    api.nvim_buf_add_highlight(buf, -1, 'Title', 0, 0, -1)
  end
end

function M.updateOverlay(args)
  local overlay = overlays[tostring(args[1])]
  if not overlay or not api.nvim_buf_is_valid(overlay.buf) then
    error(('no overlay "%s": createOverlay first'):format(tostring(args[1])), 0)
  end
  local lines = type(args[2]) == 'string' and vim.split(args[2], '\n', true)
    or string_list(args[2], 'lines')
  api.nvim_buf_set_lines(overlay.buf, 0, -1, false, overlay_lines(overlay, lines))
  if overlay.title then
    api.nvim_buf_add_highlight(overlay.buf, -1, 'Title', 0, 0, -1)
  end
end

function M.removeOverlay(args)
  local id = tostring(args[1])
  local overlay = overlays[id]
  overlays[id] = nil
  if overlay then
    pcall(api.nvim_win_close, overlay.win, true)
    pcall(api.nvim_buf_delete, overlay.buf, { force = true })
  end
end

function M.viewLogs()
  require('reloadd.logs').open()
end

return M
