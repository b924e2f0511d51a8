variable "endpoint" {
  description = "The emulator's endpoint (moto_server: http://127.0.0.1:PORT)."
  type        = string
}

variable "name_prefix" {
  type    = string
  default = "emu-"
}

variable "image_tag" {
  type    = string
  default = "emulator"
}

variable "enable_waf" {
  type    = bool
  default = true
}

variable "enable_cloudtrail" {
  type    = bool
  default = true
}

variable "enable_guardduty" {
  type    = bool
  default = true
}

variable "manage_account_logging_role" {
  type    = bool
  default = true
}
