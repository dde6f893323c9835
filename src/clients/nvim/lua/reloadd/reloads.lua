-- What the user is told about reloads: `plugin/didReload`, `plugin/didChangeStatus`, and the
-- refusals in a `plugin/reload` answer (those send no notification).
local M = {}

local levels = vim.log.levels

local STARTUP_BATCH_MS = 300
local startup_loaded = {}
local startup_timer_armed = false

--- Startup loads one notification per plugin; they are told as one line.
local function loaded_at_startup(id)
  table.insert(startup_loaded, id)
  if startup_timer_armed then
    return
  end
  startup_timer_armed = true
  vim.defer_fn(function()
    local ids = startup_loaded
    startup_loaded, startup_timer_armed = {}, false
    table.sort(ids)
    local plural = #ids == 1 and '' or 's'
    local message = ('reloadd: loaded %s (%d plugin%s)')
      :format(table.concat(ids, ', '), #ids, plural)
    vim.notify(message, levels.INFO)
  end, STARTUP_BATCH_MS)
end

function M.did_reload(r)
  if r.ok then
    if r.trigger == 'startup' then
      loaded_at_startup(r.id)
      return
    end
    -- A save or a request is what the user did; say why when it was something else.
    local why = ''
    if r.trigger ~= 'file' and r.trigger ~= 'request' then
      why = ', ' .. tostring(r.trigger)
    end
    local message = ('reloadd: %s reloaded (generation %d, %.1f ms%s)')
      :format(r.id, r.generation, r.durationMs or 0, why)
    vim.notify(message, levels.INFO)
    return
  end
  local err = r.error or {}
  if err.code == 'RELOADD_RESTART_REQUIRED' then
    vim.notify(('reloadd: %s: %s'):format(r.id, err.message), levels.WARN)
    return
  end
  local still = ''
  if r.trigger ~= 'startup' and (r.generation or 0) > 0 then
    still = (' (generation %d keeps running)'):format(r.generation)
  end
  vim.notify(
    ('reloadd: %s failed to %s: %s%s'):format(
      r.id,
      r.trigger == 'startup' and 'load' or 'reload',
      tostring(err.message or err.code or 'unknown error'),
      r.rolledBack and ' (rolled back)' or still
    ),
    levels.ERROR
  )
end

function M.did_change_status(p)
  local level = p.status == 'failed' and levels.WARN or levels.INFO
  vim.notify(('reloadd: %s is %s'):format(p.id, p.status), level)
end

--- A `plugin/reload` answer: reloads that ran were told by their `plugin/didReload`; the
--- refused ones (durationMs 0, no notification) are told here.
function M.reload_answer(err, result)
  if err then
    vim.notify('reloadd: ' .. tostring(err.message), levels.ERROR)
    return
  end
  for _, r in ipairs(result and result.results or {}) do
    if not r.ok and (r.durationMs or 0) == 0 and r.error then
      vim.notify(('reloadd: %s not reloaded: %s'):format(r.id, r.error.message), levels.WARN)
    end
  end
end

return M
