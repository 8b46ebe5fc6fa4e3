"""Every action_id, block_id and callback_id Rapport's Slack surfaces use."""

from enum import StrEnum


class ActionId(StrEnum):
    """The action ids of buttons and menus; a numeric suffix keeps several apart."""

    RUN = "crm-run"  # a button whose value is a grammar command
    OVERFLOW = "crm-overflow"
    MORE = "crm-more"
    CHOOSE = "crm-choose"
    HOME_REFRESH = "home-refresh"
    HOME_NEW_CONTACT = "home-new-contact"
    HOME_LOG = "home-log"
    HOME_NEW_OPP = "home-new-opp"
    HOME_NEW_TASK = "home-new-task"


class CallbackId(StrEnum):
    """The callback ids of modals and shortcuts, as the manifest declares them."""

    CONTACT_NEW = "contact-new"
    LOG = "log-interaction"
    OPP_NEW = "opp-new"
    OPP_UPDATE = "opp-update"
    OPP_WIN = "opp-win"
    OPP_LOSE = "opp-lose"
    TASK_NEW = "task-new"
    LOG_MESSAGE = "log-message"
    SHORTCUT_NEW_CONTACT = "shortcut-new-contact"
    SHORTCUT_LOG = "shortcut-log"
    SHORTCUT_LOG_MESSAGE = "log-to-crm"


class OptionSource(StrEnum):
    """The external selects, by action id: what their live search looks for."""

    CONTACTS = "contact"
    COMPANIES = "company"
