-- editor/call handlers about buffers and the editor as a whole: getEditorInfo, getConfig,
-- openBuffer, drawText, execute.
local M = {}

local api = vim.api
local draw_ns = api.nvim_create_namespace('reloadd_draw')

local function describe(bufnr)
  return { id = bufnr, name = vim.fn.bufname(bufnr), path = api.nvim_buf_get_name(bufnr) }
end

function M.getEditorInfo()
  local buffers, current = {}, vim.NIL
  local here = api.nvim_get_current_buf()
  for _, info in ipairs(vim.fn.getbufinfo({ buflisted = 1 })) do
    table.insert(buffers, describe(info.bufnr))
    if info.bufnr == here then
      current = #buffers - 1
    end
  end
  return {
    buffers = buffers,
    current_buffer_index = current,
    size = { rows = vim.o.lines, cols = vim.o.columns },
    theme = { name = vim.g.colors_name or 'default' },
  }
end

--- JSON for a Lua value: an empty table is an object here, not an array.
local function as_json(value)
  if type(value) == 'table' and vim.tbl_isempty(value) then
    return vim.empty_dict()
  end
  return value
end

--- A value of `vim.g.reloadd_config`: the whole table, a key, or a dotted path ("a.b").
function M.getConfig(args)
  local config = vim.g.reloadd_config
  if type(config) ~= 'table' then
    return nil
  end
  local key = args[1]
  if key == nil then
    return as_json(config)
  end
  if config[key] ~= nil then
    return as_json(config[key])
  end
  local value = config
  for part in tostring(key):gmatch('[^.]+') do
    if type(value) ~= 'table' then
      return nil
    end
    value = value[part]
  end
  return as_json(value)
end

--- Makes `name` (a file, or a buffer's name) the current buffer.
function M.openBuffer(args)
  local name = args[1]
  if type(name) ~= 'string' or name == '' then
    error('openBuffer needs a file or buffer name', 0)
  end
  if vim.fn.fnamemodify(name, ':p') == api.nvim_buf_get_name(0) then
    return nil
  end
  -- `:hide` so that a modified current buffer does not refuse to be left ('nohidden' in 0.7).
  vim.cmd('hide edit ' .. vim.fn.fnameescape(name))
end

--- A highlight group for a style: a group name, or { fg, bg, bold, italic, underline }.
local function highlight(style)
  if type(style) == 'string' then
    return style
  end
  if type(style) ~= 'table' or vim.tbl_isempty(style) then
    return 'Normal'
  end
  local spec = {}
  for _, key in ipairs({ 'fg', 'bg', 'bold', 'italic', 'underline' }) do
    if style[key] ~= nil and style[key] ~= vim.NIL then
      spec[key] = style[key]
    end
  end
  local name = 'ReloaddStyle' .. vim.fn.sha256(vim.inspect(spec)):sub(1, 8)
  api.nvim_set_hl(0, name, spec)
  return name
end

--- Virtual text at window column `x` of line `y`; drawing at the same place again replaces it.
local drawn = {} -- bufnr → { ["x:y"] = extmark id }
function M.drawText(args)
  local x, y, text = args[1], args[2], args[3]
  if type(x) ~= 'number' or type(y) ~= 'number' or type(text) ~= 'string' then
    error('drawText(x, y, text, style): x and y must be numbers and text a string', 0)
  end
  local bufnr = api.nvim_get_current_buf()
  local row = math.max(0, math.min(y, api.nvim_buf_line_count(bufnr) - 1))
  drawn[bufnr] = drawn[bufnr] or {}
  local key = x .. ':' .. y
  drawn[bufnr][key] = api.nvim_buf_set_extmark(bufnr, draw_ns, row, 0, {
    id = drawn[bufnr][key],
    virt_text = { { text, highlight(args[4]) } },
    virt_text_win_col = x,
    hl_mode = 'combine',
  })
  return drawn[bufnr][key]
end

--- The Red editor's actions that have a Neovim equivalent.
local actions = {
  OpenBuffer = function(arg)
    M.openBuffer({ type(arg) == 'table' and (arg.name or arg[1]) or arg })
  end,
  Save = 'write',
  NextBuffer = 'bnext',
  PreviousBuffer = 'bprevious',
  Undo = 'undo',
  Redo = 'redo',
  MoveToTop = 'normal! gg',
  MoveToBottom = 'normal! G',
}

function M.execute(args)
  local action = actions[args[1]]
  if not action then
    local known = vim.tbl_keys(actions)
    table.sort(known)
    local message = ('neovim has no action "%s" (it has %s)')
      :format(tostring(args[1]), table.concat(known, ', '))
    error(message, 0)
  end
  if type(action) == 'function' then
    action(args[2])
  else
    vim.cmd(action)
  end
end

return M
